// Task<T>: laziness, co_await of futures and tasks, where resumption happens,
// exceptions, void, gather, cancellation, wait_for, run_until_complete, leaks,
// and tasks on a ThreadPool fed by 1/2/4/8 producer threads.
#include <cohort/core/event_loop.hpp>
#include <cohort/core/manual_executor.hpp>
#include <cohort/core/task.hpp>
#include <cohort/core/thread_pool.hpp>

#include "future_counting.hpp"
#include "thread_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cohort::BrokenPromise;
using cohort::CancelledError;
using cohort::InvalidStateError;
using cohort::TimeoutError;
using cohort::core::current_executor;
using cohort::core::EventLoop;
using cohort::core::Executor;
using cohort::core::Future;
using cohort::core::gather;
using cohort::core::make_ready_future;
using cohort::core::ManualExecutor;
using cohort::core::Promise;
using cohort::core::SharedFuture;
using cohort::core::start;
using cohort::core::Task;
using cohort::core::ThreadPool;
using cohort::test::Counted;
namespace core = cohort::core;

static_assert(!std::is_copy_constructible_v<Task<int>>);
static_assert(std::is_nothrow_move_constructible_v<Task<int>>);

Task<int> plus_one(Future<int> f) { co_return co_await std::move(f) + 1; }
Task<void> set_flag(bool& flag) {
  flag = true;
  co_return;
}
Task<int> thrower() {
  throw std::out_of_range("inside the task");
  co_return 0;
}

TEST(Task, IsLazy) {
  bool ran = false;
  {
    Task<void> t = set_flag(ran);
    EXPECT_TRUE(t.valid());
    EXPECT_FALSE(ran);
  }
  EXPECT_FALSE(ran);
}

TEST(Task, UnstartedTaskDestroysItsArguments) {
  Counted::Scope scope;
  auto make = [](Counted c) -> Task<int> { co_return c.value; };
  { Task<int> t = make(Counted(3)); }
  EXPECT_EQ(Counted::live(), 0);
}

TEST(Task, StartPostsTheFirstStep) {
  ManualExecutor ex;
  bool ran = false;
  Future<void> f = start(set_flag(ran), ex);
  EXPECT_FALSE(ran);
  EXPECT_EQ(ex.pending(), 1u);
  ex.run_all();
  EXPECT_TRUE(ran);
  f.get();
}

TEST(Task, StartTwiceIsAnError) {
  ManualExecutor ex;
  Task<int> t = plus_one(make_ready_future(1));
  auto f = start(std::move(t), ex);
  EXPECT_FALSE(t.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW((void)start(std::move(t), ex), InvalidStateError);
  ex.run_all();
  EXPECT_EQ(f.get(), 2);
}

TEST(Task, CoAwaitFutureResumesOnTheTaskExecutor) {
  ManualExecutor ex;
  Promise<int> p;
  std::thread::id resumed_on;
  auto body = [&](Future<int> in) -> Task<int> {
    int v = co_await std::move(in);
    resumed_on = std::this_thread::get_id();
    co_return v;
  };
  Future<int> f = start(body(p.get_future()), ex);
  ex.run_all();  // runs to the co_await
  std::thread producer([&] { p.set_result(5); });
  producer.join();
  EXPECT_FALSE(f.done());  // not resumed on the producer's thread
  EXPECT_EQ(ex.pending(), 1u);
  ex.run_all();
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
  EXPECT_EQ(f.get(), 5);
}

TEST(Task, CoAwaitReadyFutureDoesNotSuspend) {
  ManualExecutor ex;
  auto f = start(plus_one(make_ready_future(41)), ex);
  EXPECT_EQ(ex.run_all(), 1u);
  EXPECT_EQ(f.get(), 42);
}

TEST(Task, CoAwaitLvalueAndSharedFutures) {
  ManualExecutor ex;
  Promise<std::string> p;
  SharedFuture<std::string> s = p.get_future().share();
  auto body = [](SharedFuture<std::string> shared) -> Task<std::size_t> {
    Future<int> local = make_ready_future(2);
    int two = co_await local;
    const std::string& text = co_await shared;
    co_return text.size() * static_cast<std::size_t>(two);
  };
  auto f = start(body(s), ex);
  ex.run_all();
  p.set_result("abc");
  ex.run_all();
  EXPECT_EQ(f.get(), 6u);
}

TEST(Task, ExceptionsPropagate) {
  ManualExecutor ex;
  auto f = start(thrower(), ex);
  ex.run_all();
  EXPECT_THROW(f.get(), std::out_of_range);

  auto catcher = []() -> Task<std::string> {
    try {
      co_await thrower();
    } catch (const std::out_of_range& e) {
      co_return std::string("caught: ") + e.what();
    }
    co_return "not thrown";
  };
  auto g = start(catcher(), ex);
  ex.run_all();
  EXPECT_EQ(g.get(), "caught: inside the task");

  Promise<int> p;
  auto h = start(plus_one(p.get_future()), ex);
  ex.run_all();
  p.set_exception(std::make_exception_ptr(std::runtime_error("producer")));
  ex.run_all();
  EXPECT_THROW(h.get(), std::runtime_error);
}

TEST(Task, NestedTasksAndVoid) {
  ManualExecutor ex;
  bool flag = false;
  auto outer = [&]() -> Task<int> {
    co_await set_flag(flag);
    int a = co_await plus_one(make_ready_future(1));
    Executor& mine = co_await current_executor();
    EXPECT_EQ(&mine, &ex);
    co_return a + 10;
  };
  auto f = start(outer(), ex);
  ex.run_all();
  EXPECT_TRUE(flag);
  EXPECT_EQ(f.get(), 12);
}

TEST(Task, GatherTuple) {
  ManualExecutor ex;
  bool flag = false;
  Promise<int> p;
  auto f = start(gather(plus_one(p.get_future()), set_flag(flag), plus_one(make_ready_future(9))), ex);
  ex.run_all();
  EXPECT_FALSE(f.done());
  p.set_result(1);
  ex.run_all();
  auto [a, unit, b] = f.get();
  EXPECT_EQ(a, 2);
  EXPECT_EQ(unit, std::monostate{});
  EXPECT_EQ(b, 10);
  EXPECT_TRUE(flag);
}

TEST(Task, GatherVectorAndWhenAllName) {
  ManualExecutor ex;
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(plus_one(make_ready_future(i)));
  auto f = start(gather(std::move(tasks)), ex);
  ex.run_all();
  EXPECT_EQ(f.get(), (std::vector<int>{1, 2, 3, 4, 5}));

  auto g = start(core::when_all(plus_one(make_ready_future(0)), thrower()), ex);
  ex.run_all();
  EXPECT_THROW(g.get(), std::out_of_range);

  std::vector<Task<void>> none;
  auto h = start(gather(std::move(none)), ex);
  ex.run_all();
  h.get();
}

TEST(TaskCancel, BeforeTheFirstStepNeverRuns) {
  Counted::Scope scope;
  ManualExecutor ex;
  bool ran = false;
  auto body = [&](Counted) -> Task<void> {
    ran = true;
    co_return;
  };
  auto f = start(body(Counted(1)), ex);
  EXPECT_TRUE(f.cancel());
  ex.run_all();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(f.cancelled());
  EXPECT_EQ(Counted::live(), 0);  // the frame was destroyed
}

TEST(TaskCancel, WhileSuspendedCancelsTheAwaitedFutureAndUnwinds) {
  Counted::Scope scope;
  ManualExecutor ex;
  Promise<int> never;
  Future<int> awaited = never.get_future();
  bool unwound = false, caught = false;
  auto body = [&](Future<int> in) -> Task<int> {
    Counted local(7);
    struct Guard {
      bool& flag;
      ~Guard() { flag = true; }
    } guard{unwound};
    try {
      co_return co_await std::move(in);
    } catch (const CancelledError&) {
      caught = true;
      throw;
    }
  };
  auto f = start(body(std::move(awaited)), ex);
  ex.run_all();
  EXPECT_FALSE(f.done());
  EXPECT_TRUE(f.cancel());  // a suspended task can be cancelled (not "running")
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(never.is_cancelled());  // cancellation reached the awaited future
  ex.run_all();                       // the coroutine resumes with CancelledError
  EXPECT_TRUE(caught);
  EXPECT_TRUE(unwound);
  EXPECT_EQ(Counted::live(), 0);
  EXPECT_THROW(f.get(), CancelledError);
}

TEST(TaskCancel, AwaitedFutureAlreadyRunningIsCancelledAtTheNextResume) {
  ManualExecutor ex;
  Promise<int> running;
  ASSERT_TRUE(running.set_running_or_notify_cancel());
  bool after = false;
  auto body = [&](Future<int> in) -> Task<void> {
    co_await std::move(in);
    after = true;
  };
  auto f = start(body(running.get_future()), ex);
  ex.run_all();
  EXPECT_TRUE(f.cancel());
  EXPECT_FALSE(running.is_cancelled());  // running: cannot be cancelled
  running.set_result(1);
  ex.run_all();
  EXPECT_FALSE(after);  // CancelledError at the co_await
  EXPECT_TRUE(f.cancelled());
}

TEST(TaskCancel, FinishedTaskCannotBeCancelled) {
  ManualExecutor ex;
  auto f = start(plus_one(make_ready_future(0)), ex);
  ex.run_all();
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(f.get(), 1);
}

TEST(Task, DroppedStepBreaksThePromise) {
  Counted::Scope scope;
  Future<int> f;
  Promise<int> p;
  {
    ManualExecutor ex;
    auto body = [](Future<int> in, Counted c) -> Task<int> { co_return co_await std::move(in) + c.value; };
    f = start(body(p.get_future(), Counted(1)), ex);
    ex.run_all();
    p.set_result(1);  // queues the resume on `ex`, which is then destroyed
  }
  EXPECT_THROW(f.get(), BrokenPromise);
  EXPECT_EQ(Counted::live(), 0);
}

TEST(TaskLeaks, LocalsAndArgumentsAreGoneWhenGetReturns) {
  Counted::Scope scope;
  ManualExecutor ex;
  Promise<int> p;
  auto body = [](Future<int> in, Counted arg) -> Task<int> {
    Counted local(arg.value);
    int got = co_await std::move(in);
    co_return got + local.value;
  };
  auto f = start(body(p.get_future(), Counted(2)), ex);
  ex.run_all();
  EXPECT_EQ(Counted::live(), 2);  // the argument and the local, in the suspended frame
  p.set_result(3);
  ex.run_all();
  EXPECT_EQ(f.get(), 5);
  EXPECT_EQ(Counted::live(), 0);  // the frame died before the future resolved
}

TEST(TaskLeaks, ValuesThroughTasksAreReleased) {
  Counted::Scope scope;
  ManualExecutor ex;
  {
    Promise<Counted> p;
    auto body = [](Future<Counted> in) -> Task<Counted> {
      Counted got = co_await std::move(in);
      co_return Counted(got.value + 1);
    };
    auto f = start(body(p.get_future()), ex);
    ex.run_all();
    p.set_result(Counted(3));
    ex.run_all();
    EXPECT_EQ(f.get().value, 4);
  }
  EXPECT_EQ(Counted::live(), 0);
}

TEST(TaskLoop, RunUntilCompleteWithSleep) {
  EventLoop loop;
  auto body = [&]() -> Task<int> {
    co_await loop.sleep(0ms);
    EXPECT_TRUE(loop.running_in_this_thread());
    co_await loop.sleep(1ms);
    co_return 3;
  };
  EXPECT_EQ(loop.run_until_complete(body()), 3);
}

TEST(TaskLoop, WaitForReturnsTheResultInTime) {
  EventLoop loop;
  auto f = core::wait_for(plus_one(make_ready_future(1)), 1h, loop);
  EXPECT_EQ(loop.run_until_complete(std::move(f)), 2);
}

TEST(TaskLoop, WaitForCancelsOnTimeout) {
  EventLoop loop;
  Promise<int> never;
  bool cancelled_inside = false;
  auto body = [&](Future<int> in) -> Task<int> {
    try {
      co_return co_await std::move(in);
    } catch (const CancelledError&) {
      cancelled_inside = true;
      throw;
    }
  };
  auto f = core::wait_for(body(never.get_future()), 1ms, loop);
  EXPECT_THROW(loop.run_until_complete(std::move(f)), TimeoutError);
  EXPECT_TRUE(never.is_cancelled());
  loop.poll();  // let the cancelled coroutine unwind
  EXPECT_TRUE(cancelled_inside);
}

TEST(TaskLoop, WaitForCancelsASleepingTask) {
  EventLoop loop;
  bool after = false;
  auto body = [&]() -> Task<void> {
    co_await loop.sleep(5ms);
    after = true;
  };
  auto f = core::wait_for(body(), 1ms, loop);
  EXPECT_THROW(loop.run_until_complete(std::move(f)), TimeoutError);
  auto flush = [&]() -> Task<void> { co_await loop.sleep(5ms); };  // a later deadline: runs after the sleeper
  loop.run_until_complete(flush());  // the sleeper wakes and meets CancelledError
  EXPECT_FALSE(after);
}

// ---- tasks on a pool, producers on 1/2/4/8 threads ----------------------------

class TaskThreads : public cohort::test::ThreadCountTest {};

TEST_P(TaskThreads, ManyTasksAwaitFuturesFromProducers) {
  Counted::Scope scope;
  const int n = threads();
  const std::size_t total = static_cast<std::size_t>(n) * 100;
  ThreadPool pool(static_cast<std::size_t>(n));
  std::vector<Promise<Counted>> ps(total);
  std::vector<Future<int>> results;
  auto body = [&pool](Future<Counted> in) -> Task<int> {
    Counted c = co_await std::move(in);
    EXPECT_TRUE(pool.running_in_this_thread());  // resumed on the task's executor
    co_return c.value * 2;
  };
  for (auto& p : ps) results.push_back(start(body(p.get_future()), pool));
  cohort::test::run_on_threads(n, [&](int t) {
    for (std::size_t i = static_cast<std::size_t>(t); i < total; i += static_cast<std::size_t>(n)) {
      ps[i].set_result(Counted(static_cast<int>(i)));
    }
  });
  for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(results[i].get(), static_cast<int>(2 * i));
  pool.shutdown();
}  // Counted::Scope checks that every value and frame was released

TEST_P(TaskThreads, GatherOnAPool) {
  const int n = threads();
  ThreadPool pool(static_cast<std::size_t>(n));
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 10 * n; ++i) tasks.push_back(plus_one(pool.submit([i] { return i; })));
  auto all = start(gather(std::move(tasks)), pool).get();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(10 * n));
  for (int i = 0; i < 10 * n; ++i) ASSERT_EQ(all[static_cast<std::size_t>(i)], i + 1);
}

COHORT_INSTANTIATE_THREAD_COUNTS(TaskThreads);

}  // namespace
