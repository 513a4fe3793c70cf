#pragma once
// parallel_for over a core::ThreadPool, shared by the engines (not installed).

#include <cohort/core/future.hpp>
#include <cohort/core/thread_pool.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace cohort::mapreduce::detail {

// Runs fn(i) for i in [0, n) on the pool; rethrows the first failure (by index)
// once every task has finished. After a failure, tasks not yet started skip.
// done(k) is called after each success with the count so far, one call at a time.
template <class F>
void parallel_for(core::ThreadPool& pool, std::size_t n, F&& fn, const std::function<void(std::size_t)>& done = {}) {
  std::atomic<bool> failed{false};
  std::mutex progress_mutex;
  std::size_t finished = 0;
  std::vector<core::Future<void>> futures;
  futures.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    futures.push_back(pool.submit([&, i] {
      if (failed.load(std::memory_order_relaxed)) return;
      try {
        fn(i);
      } catch (...) {
        failed.store(true, std::memory_order_relaxed);
        throw;
      }
      if (done) {
        std::lock_guard lock(progress_mutex);
        done(++finished);
      }
    }));
  }
  std::exception_ptr first;
  for (auto& f : futures) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace cohort::mapreduce::detail
