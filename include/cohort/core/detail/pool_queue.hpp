#pragma once
/// PoolQueue: one ThreadPool worker's queue — a bounded multi-producer,
/// multi-consumer ring of Work (D. Vyukov's bounded MPMC queue).
///
/// Why this shape: the owner pops, other workers steal with the same operation,
/// and outside threads push, all without a lock; Work is stored inline in a
/// cache-line-sized cell, so pushing a small task allocates nothing. When the
/// ring is full the pool spills to its overflow list (try_push returns false).
///
/// Thread safety: try_push/try_pop from any number of threads at once.
/// - try_push moves from `work` only when it returns true.
/// - FIFO per producer; a consumer may briefly see "empty" while a producer is
///   between claiming a cell and publishing it (the pool's wake protocol covers it).

#include <cohort/core/executor.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace cohort::core::detail {

inline constexpr std::size_t kCacheLine = 64;

class PoolQueue {
 public:
  /// capacity must be a power of two.
  explicit PoolQueue(std::size_t capacity)
      : mask_(capacity - 1), cells_(std::make_unique<Cell[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  PoolQueue(const PoolQueue&) = delete;
  PoolQueue& operator=(const PoolQueue&) = delete;

  bool try_push(Work& work) noexcept {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
    cell->work = std::move(work);
    cell->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  bool try_pop(Work& out) noexcept {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // empty (or the next cell is not published yet)
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
    out = std::move(cell->work);
    cell->seq.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

  /// A hint only: true if some push has claimed a cell nobody popped yet.
  bool maybe_nonempty() const noexcept {
    return tail_.load(std::memory_order_acquire) != head_.load(std::memory_order_acquire);
  }

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<std::size_t> seq{0};
    Work work;
  };

  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};  // producers
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};  // consumers
  alignas(kCacheLine) const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
};

}  // namespace cohort::core::detail
