// ThreadPool throughput on tiny tasks, next to oneTBB's task_group and std::async.
//
//   bench_threadpool [--benchmark_filter=...]
//
// Each case runs a batch of N tasks and waits for all of them; the `per_task`
// column is wall time / N. Cases:
//   empty   a task that does nothing (for Cohort it also counts down the batch,
//           which is how a caller learns the batch is done; TBB's wait() does the
//           same bookkeeping inside)
//   1us     a task that spins ~1 microsecond on the steady clock
// Cohort is measured two ways: posted from outside the pool (the main thread,
// as a caller or the event loop would) and spawned from inside a worker (what
// TBB's task_group does: the spawning thread is part of the arena). The pool
// and TBB use the same number of threads (default_thread_count()).
// std::async starts a thread per task: it gets 10,000 tasks, not a million.

#include <cohort/core/cpu.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/thread_pool.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <semaphore>
#include <string>
#include <vector>

#if defined(COHORT_BENCH_HAVE_TBB)
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#endif

namespace {

using cohort::core::ThreadPool;

constexpr std::int64_t kEmptyTasks = 1'000'000;
constexpr std::int64_t kMicroTasks = 200'000;
constexpr std::int64_t kAsyncTasks = 10'000;

inline void spin_1us() {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(1);
  while (std::chrono::steady_clock::now() < until) {
  }
}

// What each case runs: kSpin picks the 1 us task and its batch size, else the empty task.
template <bool kSpin>
constexpr std::int64_t kTasks = kSpin ? kMicroTasks : kEmptyTasks;

template <bool kSpin>
constexpr auto kTask = [] {
  if constexpr (kSpin) spin_1us();
};

void report(benchmark::State& state, std::int64_t tasks) {
  state.SetItemsProcessed(state.iterations() * tasks);
  state.counters["per_task"] =
      benchmark::Counter(static_cast<double>(tasks), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

// Each iteration starts n tasks with start() (it returns a future), then waits for them all.
template <class Start>
void start_then_wait_all(benchmark::State& state, std::int64_t n, Start start) {
  std::vector<decltype(start())> futures;
  futures.reserve(static_cast<std::size_t>(n));
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i) futures.push_back(start());
    for (auto& f : futures) f.get();
    futures.clear();
  }
  report(state, n);
}

ThreadPool& pool() {
  static ThreadPool p(cohort::core::default_thread_count());
  return p;
}

// A batch of tasks that count down; the last one releases the waiter.
struct Batch {
  explicit Batch(std::int64_t n) : remaining(n) {}
  void finish_one() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) done.release();
  }
  std::atomic<std::int64_t> remaining;
  std::binary_semaphore done{0};
};

// Posts a batch of counting tasks and waits for the last: from this thread, or
// (kFromWorker) from a task on a pool worker, as TBB's task_group spawns.
template <bool kSpin, bool kFromWorker>
void BM_Cohort_Post(benchmark::State& state) {
  const std::int64_t n = kTasks<kSpin>;
  ThreadPool& p = pool();
  for (auto _ : state) {
    Batch batch(n);
    const auto post_all = [&] {
      for (std::int64_t i = 0; i < n; ++i)
        p.post([&batch] {
          kTask<kSpin>();
          batch.finish_one();
        });
    };
    if constexpr (kFromWorker) {
      p.post(post_all);
    } else {
      post_all();
    }
    batch.done.acquire();
  }
  report(state, n);
}

template <bool kSpin>
void BM_Cohort_Submit_External(benchmark::State& state) {
  ThreadPool& p = pool();
  start_then_wait_all(state, kTasks<kSpin>, [&p] { return p.submit(kTask<kSpin>); });
}

#if defined(COHORT_BENCH_HAVE_TBB)
tbb::task_arena& arena() {
  static tbb::task_arena a(static_cast<int>(cohort::core::default_thread_count()));
  return a;
}

template <bool kSpin>
void BM_TBB_TaskGroup(benchmark::State& state) {
  const std::int64_t n = kTasks<kSpin>;
  for (auto _ : state) {
    arena().execute([&] {
      tbb::task_group group;
      for (std::int64_t i = 0; i < n; ++i) group.run(kTask<kSpin>);
      group.wait();
    });
  }
  report(state, n);
}
#endif

template <bool kSpin>
void BM_StdAsync(benchmark::State& state) {
  start_then_wait_all(state, kAsyncTasks, [] { return std::async(std::launch::async, kTask<kSpin>); });
}

// Registers every case for one kind of task, named "<prefix>/<case>".
template <bool kSpin>
void register_cases(const std::string& prefix) {
  const auto add = [&](const char* name, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark((prefix + "/" + name).c_str(), fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  add("cohort_post_external", BM_Cohort_Post<kSpin, false>);
  add("cohort_post_from_worker", BM_Cohort_Post<kSpin, true>);
  add("cohort_submit_future", BM_Cohort_Submit_External<kSpin>);
#if defined(COHORT_BENCH_HAVE_TBB)
  add("tbb_task_group", BM_TBB_TaskGroup<kSpin>);
#endif
  add("std_async_10k", BM_StdAsync<kSpin>);
}

}  // namespace

int main(int argc, char** argv) {
  const auto threads = cohort::core::explain_thread_count();
  std::printf("threads: %zu (from %.*s)\n", threads.count, static_cast<int>(to_string(threads.source).size()),
              to_string(threads.source).data());
#if !defined(COHORT_BENCH_HAVE_TBB)
  std::printf("oneTBB not found at configure time: TBB cases skipped\n");
#endif
  register_cases<false>("empty");
  register_cases<true>("1us");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
