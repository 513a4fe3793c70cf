#include <cohort/core/cpu.hpp>
#include <cohort/core/error.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/thread_pool.hpp>

#include <gtest/gtest.h>

#include "thread_counts.hpp"

#include <atomic>
#include <latch>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using cohort::core::Future;
using cohort::core::Promise;
using cohort::core::ThreadPool;

namespace {

/// Occupies every worker of a pool until open(): lets a test queue work that
/// is certain not to have started, without sleeping. The latches live in a
/// shared state the blocking tasks co-own, so a Blocker may go out of scope
/// while its tasks are still returning from wait().
class Blocker {
 public:
  explicit Blocker(ThreadPool& pool) : state_(std::make_shared<State>(pool.size())) {
    for (std::size_t i = 0; i < pool.size(); ++i)
      pool.post([s = state_] {
        s->started.count_down();
        s->gate.wait();
      });
    state_->started.wait();
  }
  ~Blocker() { open(); }
  void open() {
    if (!state_->opened.exchange(true)) state_->gate.count_down();
  }

 private:
  struct State {
    explicit State(std::size_t n) : started(static_cast<std::ptrdiff_t>(n)) {}
    std::latch started;
    std::latch gate{1};
    std::atomic<bool> opened{false};
  };
  std::shared_ptr<State> state_;
};

class ThreadPoolTest : public cohort::test::ThreadCountTest {
 protected:
  std::size_t n() const { return static_cast<std::size_t>(threads()); }
};

}  // namespace

TEST_P(ThreadPoolTest, HasTheRequestedSize) {
  ThreadPool pool(n());
  EXPECT_EQ(pool.size(), n());
  EXPECT_FALSE(pool.is_shutdown());
}

TEST(ThreadPool, DefaultSizeIsDefaultThreadCount) {
  ThreadPool pool;
  EXPECT_EQ(pool.size(), cohort::core::default_thread_count());
}

TEST_P(ThreadPoolTest, PostRunsEveryTaskOnce) {
  constexpr int kTasks = 20000;
  std::vector<std::atomic<int>> runs(kTasks);
  std::latch done(kTasks);
  ThreadPool pool(n());
  for (int i = 0; i < kTasks; ++i)
    pool.post([&, i] {
      runs[static_cast<std::size_t>(i)].fetch_add(1);
      done.count_down();
    });
  done.wait();
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << "task " << i;
}

TEST_P(ThreadPoolTest, PostNeverRunsInline) {
  ThreadPool pool(n());
  Blocker blocker(pool);
  std::atomic<bool> ran{false};
  std::latch done(1);
  pool.post([&] {
    ran = true;
    done.count_down();
  });
  EXPECT_FALSE(ran.load());  // every worker is blocked: it cannot have run
  blocker.open();
  done.wait();
  EXPECT_TRUE(ran.load());
}

TEST_P(ThreadPoolTest, ManyProducersAtOnce) {
  constexpr int kPerProducer = 2000;
  const int producers = threads();
  std::atomic<int> count{0};
  std::latch done(producers * kPerProducer);
  ThreadPool pool(n());
  cohort::test::run_on_threads(producers, [&](int) {
    for (int i = 0; i < kPerProducer; ++i)
      pool.post([&] {
        count.fetch_add(1);
        done.count_down();
      });
  });
  done.wait();
  EXPECT_EQ(count.load(), producers * kPerProducer);
}

TEST_P(ThreadPoolTest, WorkersCanPostMoreWork) {
  // A binary tree of tasks, 2^12 - 1 nodes, each spawning its children from a worker.
  constexpr int kDepth = 12;
  std::atomic<int> count{0};
  std::latch done((1 << kDepth) - 1);
  ThreadPool pool(n());
  std::function<void(int)> node = [&](int depth) {
    count.fetch_add(1);
    if (depth + 1 < kDepth) {
      pool.post([&, depth] { node(depth + 1); });
      pool.post([&, depth] { node(depth + 1); });
    }
    done.count_down();
  };
  pool.post([&] { node(0); });
  done.wait();
  EXPECT_EQ(count.load(), (1 << kDepth) - 1);
}

TEST_P(ThreadPoolTest, MoreQueuedWorkThanTheQueuesHold) {
  // 4096 cells per worker: this spills to the overflow list for every thread count.
  constexpr int kTasks = 40000;
  std::atomic<int> count{0};
  std::latch done(kTasks);
  ThreadPool pool(n());
  {
    Blocker blocker(pool);
    for (int i = 0; i < kTasks; ++i)
      pool.post([&] {
        count.fetch_add(1);
        done.count_down();
      });
  }
  done.wait();
  EXPECT_EQ(count.load(), kTasks);
}

TEST_P(ThreadPoolTest, SubmitReturnsTheResult) {
  ThreadPool pool(n());
  auto f = pool.submit([](int a, std::string b) { return b + std::to_string(a); }, 42, std::string("x"));
  EXPECT_EQ(f.get(), "x42");
  auto v = pool.submit([] {});
  v.get();
  EXPECT_TRUE(v.done());
}

TEST_P(ThreadPoolTest, SubmitCarriesExceptions) {
  ThreadPool pool(n());
  auto f = pool.submit([]() -> int { throw std::out_of_range("index 7 of 3"); });
  try {
    f.get();
    FAIL() << "expected out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "index 7 of 3");
  }
}

TEST_P(ThreadPoolTest, SubmitRunsOnAWorker) {
  ThreadPool pool(n());
  EXPECT_FALSE(pool.running_in_this_thread());
  EXPECT_TRUE(pool.submit([&] { return pool.running_in_this_thread(); }).get());
}

TEST_P(ThreadPoolTest, ACancelledPendingTaskNeverRuns) {
  ThreadPool pool(n());
  std::atomic<bool> ran{false};
  Future<int> f;
  {
    Blocker blocker(pool);
    f = pool.submit([&] {
      ran = true;
      return 1;
    });
    EXPECT_TRUE(f.cancel());
  }
  pool.shutdown();  // everything queued has been looked at
  EXPECT_TRUE(f.cancelled());
  EXPECT_FALSE(ran.load());
  EXPECT_THROW(f.get(), cohort::CancelledError);
}

TEST_P(ThreadPoolTest, MapKeepsInputOrderForEveryChunkSize) {
  ThreadPool pool(n());
  std::vector<int> inputs(1000);
  std::iota(inputs.begin(), inputs.end(), 0);
  for (std::size_t chunk : {0u, 1u, 3u, 7u, 999u, 1000u, 5000u}) {
    auto squares = pool.map([](int x) { return static_cast<long>(x) * x; }, inputs, chunk).get();
    ASSERT_EQ(squares.size(), inputs.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < inputs.size(); ++i) ASSERT_EQ(squares[i], static_cast<long>(i * i)) << "chunk " << chunk;
  }
}

TEST_P(ThreadPoolTest, MapOfNothingIsReadyAndEmpty) {
  ThreadPool pool(n());
  auto f = pool.map([](int x) { return x; }, std::vector<int>{});
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.get().empty());
}

TEST_P(ThreadPoolTest, MapReportsTheFirstFailureByInputOrder) {
  ThreadPool pool(n());
  std::vector<int> inputs(200);
  std::iota(inputs.begin(), inputs.end(), 0);
  auto f = pool.map(
      [](int x) {
        if (x == 30 || x == 150) throw std::runtime_error("bad input " + std::to_string(x));
        return x;
      },
      inputs, 1);
  try {
    f.get();
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "bad input 30");
  }
}

TEST_P(ThreadPoolTest, ShutdownWaitRunsQueuedWork) {
  constexpr int kTasks = 5000;
  std::atomic<int> count{0};
  ThreadPool pool(n());
  for (int i = 0; i < kTasks; ++i) pool.post([&] { count.fetch_add(1); });
  pool.shutdown(/*wait=*/true);
  EXPECT_EQ(count.load(), kTasks);
  EXPECT_TRUE(pool.is_shutdown());
  pool.shutdown();  // idempotent
}

TEST_P(ThreadPoolTest, ShutdownCancelPendingResolvesFuturesAsCancelled) {
  ThreadPool pool(n());
  std::atomic<int> ran{0};
  std::vector<Future<int>> pending;
  Blocker blocker(pool);
  for (int i = 0; i < 100; ++i) pending.push_back(pool.submit([&, i] {
    ran.fetch_add(1);
    return i;
  }));
  auto mapped = pool.map([&](int x) { ran.fetch_add(1); return x; }, std::vector<int>{1, 2, 3}, 1);
  // wait=true would block behind the busy workers: do it on another thread
  // and observe the futures resolve while it waits.
  std::thread closer([&] { pool.shutdown(/*wait=*/true, /*cancel_pending=*/true); });
  for (auto& f : pending) {
    f.wait();  // must not hang
    EXPECT_TRUE(f.cancelled());
    EXPECT_THROW(f.get(), cohort::CancelledError);
  }
  mapped.wait();
  EXPECT_TRUE(mapped.cancelled());
  blocker.open();
  closer.join();
  EXPECT_EQ(ran.load(), 0);
}

TEST_P(ThreadPoolTest, ShutdownWithoutWaitReturnsAndStillFinishesQueuedWork) {
  ThreadPool pool(n());
  std::vector<Future<int>> queued;
  Blocker blocker(pool);
  for (int i = 0; i < 50; ++i) queued.push_back(pool.submit([i] { return i; }));
  pool.shutdown(/*wait=*/false);  // returns although every worker is blocked
  EXPECT_TRUE(pool.is_shutdown());
  EXPECT_FALSE(queued.front().done());
  blocker.open();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(queued[static_cast<std::size_t>(i)].get(), i);
}

TEST_P(ThreadPoolTest, WorkAfterShutdownIsDroppedNotRun) {
  ThreadPool pool(n());
  pool.shutdown();
  std::atomic<bool> ran{false};
  Promise<int> promise;
  Future<int> f = promise.get_future();
  pool.post([&ran, p = std::move(promise)]() mutable {
    ran = true;
    p.set_result(1);
  });
  EXPECT_THROW(f.get(), cohort::BrokenPromise);  // destroyed unrun: the promise broke
  EXPECT_FALSE(ran.load());
  try {
    (void)pool.submit([] { return 1; });
    FAIL() << "submit after shutdown should throw";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::executor_shutdown);
  }
}

TEST_P(ThreadPoolTest, ShutdownWithWaitFromAWorkerThrows) {
  ThreadPool pool(n());
  auto f = pool.submit([&] { pool.shutdown(/*wait=*/true); });
  try {
    f.get();
    FAIL() << "expected invalid_state";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::invalid_state);
  }
  auto g = pool.submit([&] { pool.shutdown(/*wait=*/false); });
  g.get();
  EXPECT_TRUE(pool.is_shutdown());
}

TEST_P(ThreadPoolTest, UsableThroughTheExecutorInterface) {
  ThreadPool pool(n());
  cohort::core::Executor& ex = pool;
  Promise<int> p;
  auto f = p.get_future();
  ex.post([p = std::move(p)]() mutable { p.set_result(5); });
  EXPECT_EQ(f.get(), 5);
}

namespace {
// Per-thread state set up by on_thread_start: counts its own construction and
// destruction, so the test sees that it lives until the worker thread exits.
std::atomic<int> g_started{0}, g_ended{0};
struct ThreadSetup {
  ThreadSetup() { g_started.fetch_add(1); }
  ~ThreadSetup() { g_ended.fetch_add(1); }
  bool ready = true;
};
thread_local std::unique_ptr<ThreadSetup> t_setup;
}  // namespace

TEST_P(ThreadPoolTest, OnThreadStartRunsOnEveryWorkerBeforeItsWork) {
  g_started = 0;
  g_ended = 0;
  ThreadPool::Options options;
  options.threads = n();
  options.on_thread_start = [] { t_setup = std::make_unique<ThreadSetup>(); };
  ThreadPool pool(std::move(options));
  EXPECT_EQ(pool.size(), n());
  {
    Blocker blocker(pool);  // every worker is running one task now: each has started
    EXPECT_EQ(g_started.load(), static_cast<int>(n()));
  }
  std::atomic<int> without_setup{0};
  for (int i = 0; i < 1000; ++i)
    pool.post([&] {
      if (!t_setup || !t_setup->ready) without_setup.fetch_add(1);
    });
  pool.shutdown(/*wait=*/true);
  EXPECT_EQ(without_setup.load(), 0);
  EXPECT_EQ(g_started.load(), static_cast<int>(n()));  // once per thread
  EXPECT_EQ(g_ended.load(), static_cast<int>(n()));    // its thread_locals died with the threads
  EXPECT_EQ(t_setup, nullptr);                         // never on the caller's thread
}

COHORT_INSTANTIATE_THREAD_COUNTS(ThreadPoolTest);
