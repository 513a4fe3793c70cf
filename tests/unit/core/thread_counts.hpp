#pragma once
/// The one parameterised helper for "the same test across 1, 2, 4 and 8 threads".
///
/// Usage:
///   class PoolSubmit : public cohort::test::ThreadCountTest {};
///   TEST_P(PoolSubmit, RunsEverything) { ThreadPool pool(threads()); ... }
///   COHORT_INSTANTIATE_THREAD_COUNTS(PoolSubmit);
///
/// and, to hammer something from N producer threads that start together:
///   cohort::test::run_on_threads(threads(), [&](int index) { ... });
///
/// Thread safety: run_on_threads() calls `fn` concurrently from `n` threads;
/// `fn` must be safe for that. Everything else is plain test scaffolding.
///
/// - Threads start together (a latch), never ordered by sleeps.
/// - An exception thrown by `fn` on any thread is rethrown on the caller after
///   all threads have joined (the first one wins), so a failure is a test failure,
///   not std::terminate.

#include <gtest/gtest.h>

#include <cstddef>
#include <exception>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cohort::test {

inline constexpr int kThreadCounts[] = {1, 2, 4, 8};

/// Base fixture: GetParam() is the thread count.
class ThreadCountTest : public ::testing::TestWithParam<int> {
 protected:
  int threads() const { return GetParam(); }
};

/// Names the instantiations "threads1", "threads2", ... so failures say which count.
inline std::string thread_count_name(const ::testing::TestParamInfo<int>& info) {
  return "threads" + std::to_string(info.param);
}

/// Runs fn(0) .. fn(n-1) on n fresh threads released together; joins them all;
/// rethrows the first exception.
template <class Fn>
void run_on_threads(int n, Fn&& fn) {
  std::latch start(n);
  std::mutex mutex;
  std::exception_ptr first_error;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace cohort::test

/// Instantiates a ThreadCountTest-derived suite for 1, 2, 4 and 8 threads.
#define COHORT_INSTANTIATE_THREAD_COUNTS(Suite)                                  \
  INSTANTIATE_TEST_SUITE_P(Threads, Suite, ::testing::ValuesIn(::cohort::test::kThreadCounts), \
                           ::cohort::test::thread_count_name)
