#pragma once
// TaskTable<T>: the scheduler's per-task records, indexed by task id. Ids are
// handed out in increasing order and retired mostly in order, so the table is
// a window [front_id, end_id) over fixed-size chunks: O(1) lookup by id (a
// shift and a mask), appends and front retirement without per-element
// allocation (std::deque's 512-byte blocks meant a malloc every 12 tasks and a
// division per lookup). Retired chunks are kept for reuse.
//
// Thread safety: none (the scheduler's loop thread).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace cohort::cluster::detail {

template <class T>
class TaskTable {
 public:
  static constexpr unsigned kBits = 12;
  static constexpr std::uint64_t kChunk = std::uint64_t{1} << kBits;

  std::uint64_t front_id() const noexcept { return front_; }
  std::uint64_t end_id() const noexcept { return end_; }
  bool empty() const noexcept { return front_ == end_; }
  bool contains(std::uint64_t id) const noexcept { return id >= front_ && id < end_; }

  T& operator[](std::uint64_t id) noexcept {
    const std::uint64_t rel = id - chunk_base_;
    return chunks_[static_cast<std::size_t>(rel >> kBits)][static_cast<std::size_t>(rel & (kChunk - 1))];
  }
  T& front() noexcept { return (*this)[front_]; }

  /// Appends `value` under id end_id(); returns that id.
  std::uint64_t push_back(const T& value) {
    if (end_ - chunk_base_ == chunks_.size() * kChunk) add_chunk();
    (*this)[end_] = value;
    return end_++;
  }

  /// Hands out ids end_id() .. end_id() + n - 1 without entries (columnar
  /// tasks, tracked per batch elsewhere): free while the table is empty (the
  /// window restarts past them), else n copies of `filler` (say, retired entries).
  void skip(std::uint64_t n, const T& filler) {
    if (!empty()) {
      for (std::uint64_t i = 0; i < n; ++i) push_back(filler);
      return;
    }
    while (!chunks_.empty()) {
      if (spare_.size() < 4) spare_.push_back(std::move(chunks_.back()));
      chunks_.pop_back();
    }
    end_ += n;
    front_ = end_;
    chunk_base_ = end_;
  }

  void pop_front() noexcept {
    ++front_;
    if (front_ - chunk_base_ == kChunk) {
      spare_.push_back(std::move(chunks_.front()));
      chunks_.pop_front();
      chunk_base_ += kChunk;
      if (spare_.size() > 4) spare_.pop_back();  // keep a few, not a whole run's worth
    }
  }

 private:
  void add_chunk() {
    if (!spare_.empty()) {
      chunks_.push_back(std::move(spare_.back()));
      spare_.pop_back();
    } else {
      chunks_.push_back(std::make_unique<T[]>(kChunk));
    }
  }

  std::deque<std::unique_ptr<T[]>> chunks_;
  std::vector<std::unique_ptr<T[]>> spare_;
  std::uint64_t chunk_base_ = 0;  // id of chunks_[0][0]
  std::uint64_t front_ = 0;
  std::uint64_t end_ = 0;
};

}  // namespace cohort::cluster::detail
