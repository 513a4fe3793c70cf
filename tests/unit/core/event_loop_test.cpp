#include <cohort/core/error.hpp>
#include <cohort/core/event_loop.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/task.hpp>
#include <cohort/core/thread_pool.hpp>

#include <gtest/gtest.h>

#include "thread_counts.hpp"

#include <atomic>
#include <chrono>
#include <coroutine>
#include <exception>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cohort::core::EventLoop;
using cohort::core::Future;
using cohort::core::PollerId;
using cohort::core::Promise;
using cohort::core::ThreadPool;
using cohort::core::TimerHandle;

namespace {

/// The smallest coroutine type there is: starts at once, frees itself at the
/// end. Proves loop.sleep() needs nothing from the promise type.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

/// Runs a loop's run_forever on its own thread; stops and joins on destruction.
class LoopThread {
 public:
  explicit LoopThread(EventLoop& loop) : loop_(loop) {
    thread_ = std::thread([this] { loop_.run_forever(); });
    // Returns once the loop runs a callback: it is running from then on.
    Promise<void> started;
    auto f = started.get_future();
    loop_.call_soon_threadsafe([p = std::move(started)]() mutable { p.set_result(); });
    f.get();
  }
  ~LoopThread() {
    loop_.stop();
    thread_.join();
  }

 private:
  EventLoop& loop_;
  std::thread thread_;
};

class EventLoopThreads : public cohort::test::ThreadCountTest {};

}  // namespace

TEST(EventLoop, CallSoonRunsLaterInOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.call_soon([&] { order.push_back(1); });
  loop.call_soon([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty());  // never inside the call that posts
  loop.call_soon([&] {
    order.push_back(3);
    loop.call_soon([&] { order.push_back(5); });
    EXPECT_EQ(order.size(), 3u);  // scheduled from a callback: not run inline either
  });
  loop.call_soon([&] { order.push_back(4); });
  loop.call_soon([&] { loop.call_soon([&] { loop.stop(); }); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(EventLoop, PollRunsOneIterationWithoutBlocking) {
  EventLoop loop;
  EXPECT_EQ(loop.poll(), 0u);
  int ran = 0;
  loop.call_soon([&] {
    ++ran;
    loop.call_soon([&] { ++ran; });  // next iteration
  });
  EXPECT_EQ(loop.poll(), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.poll(), 1u);
  EXPECT_EQ(ran, 2);
}

TEST(EventLoop, RunningInThisThreadOnlyInsideARun) {
  EventLoop loop;
  EXPECT_FALSE(loop.running_in_this_thread());
  EXPECT_FALSE(loop.is_running());
  bool inside = false, running = false;
  loop.call_soon([&] {
    inside = loop.running_in_this_thread();
    running = loop.is_running();
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(inside);
  EXPECT_TRUE(running);
  EXPECT_FALSE(loop.running_in_this_thread());
  EXPECT_FALSE(loop.is_running());
}

TEST(EventLoop, StopBeforeRunForeverRunsOneIteration) {
  EventLoop loop;
  bool ran = false;
  loop.call_soon([&] { ran = true; });
  loop.stop();
  loop.run_forever();  // returns: must not block
  EXPECT_TRUE(ran);
}

TEST(EventLoop, StopFromAnotherThread) {
  EventLoop loop;
  std::atomic<bool> returned{false};
  std::latch running(1);
  std::thread t([&] {
    loop.call_soon([&] { running.count_down(); });
    loop.run_forever();  // idle, blocked on its condition variable after the callback
    returned = true;
  });
  running.wait();
  EXPECT_FALSE(returned.load());
  loop.stop();
  t.join();
  EXPECT_TRUE(returned.load());
}

TEST_P(EventLoopThreads, CallSoonThreadsafeFromManyThreadsRunsEachOnce) {
  constexpr int kPerThread = 2000;
  const int producers = threads();
  const int total = producers * kPerThread;
  EventLoop loop;
  std::vector<int> runs(static_cast<std::size_t>(total), 0);  // touched only on the loop thread
  int seen = 0;
  bool all_on_loop_thread = true;
  std::thread loop_thread([&] { loop.run_forever(); });
  cohort::test::run_on_threads(producers, [&](int p) {
    for (int i = 0; i < kPerThread; ++i)
      loop.call_soon_threadsafe([&, id = p * kPerThread + i] {
        all_on_loop_thread = all_on_loop_thread && loop.running_in_this_thread();
        ++runs[static_cast<std::size_t>(id)];
        if (++seen == total) loop.stop();
      });
  });
  loop_thread.join();
  EXPECT_TRUE(all_on_loop_thread);
  for (int i = 0; i < total; ++i) ASSERT_EQ(runs[static_cast<std::size_t>(i)], 1) << "callback " << i;
}

TEST_P(EventLoopThreads, RunUntilCompleteWithAFutureFromAPoolThread) {
  ThreadPool pool(static_cast<std::size_t>(threads()));
  EventLoop loop;
  for (int i = 0; i < 20; ++i) {
    auto f = pool.submit([i] { return i * 3; });
    EXPECT_EQ(loop.run_until_complete(std::move(f)), i * 3);
  }
  auto bad = pool.submit([]() -> int { throw std::logic_error("from the pool"); });
  EXPECT_THROW(loop.run_until_complete(std::move(bad)), std::logic_error);
}

TEST(EventLoop, RunUntilCompleteWithAFutureResolvedOnTheLoop) {
  EventLoop loop;
  Promise<std::string> p;
  auto f = p.get_future();
  loop.call_later(1ms, [&] { p.set_result("done"); });
  EXPECT_EQ(loop.run_until_complete(std::move(f)), "done");
  Future<void> ready = cohort::core::make_ready_future();
  loop.run_until_complete(std::move(ready));
}

namespace {
cohort::core::Task<int> plus_one_after_a_sleep(EventLoop& loop, int a) {
  co_await loop.sleep(1ms);
  co_return a + 1;
}
cohort::core::Task<int> failing_task(EventLoop& loop) {
  co_await loop.sleep(0ms);
  throw std::runtime_error("task failed");
}
}  // namespace

TEST(EventLoop, RunUntilCompleteRunsATask) {
  EventLoop loop;
  EXPECT_EQ(loop.run_until_complete(plus_one_after_a_sleep(loop, 41)), 42);
  EXPECT_THROW(loop.run_until_complete(failing_task(loop)), std::runtime_error);
}

TEST(EventLoop, RunUntilCompleteThrowsIfStoppedFirst) {
  EventLoop loop;
  Promise<int> p;
  loop.call_soon([&] { loop.stop(); });
  try {
    loop.run_until_complete(p.get_future());
    FAIL() << "expected invalid_state";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::invalid_state);
  }
  p.set_result(1);  // the loop's done-callback was removed: nothing dangles
}

TEST(EventLoop, TimersRunByDeadlineThenByCreation) {
  EventLoop loop;
  std::vector<std::string> order;
  const auto base = loop.time();
  loop.call_at(base + 3ms, [&] { order.push_back("c"); });
  loop.call_at(base + 1ms, [&] { order.push_back("a1"); });
  loop.call_at(base + 2ms, [&] { order.push_back("b"); });
  loop.call_at(base + 1ms, [&] { order.push_back("a2"); });
  loop.call_at(base + 1ms, [&] { order.push_back("a3"); });
  loop.call_at(base + 4ms, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "a3", "b", "c"}));
}

TEST(EventLoop, ManyTimersWithOneDeadlineKeepInsertionOrder) {
  EventLoop loop;
  std::vector<int> order;
  const auto when = loop.time() + 1ms;
  for (int i = 0; i < 500; ++i) loop.call_at(when, [&, i] { order.push_back(i); });
  loop.call_at(when, [&] { loop.stop(); });
  loop.run_forever();
  ASSERT_EQ(order.size(), 500u);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(EventLoop, CallLaterOrdersByDelay) {
  EventLoop loop;
  std::vector<int> order;
  loop.call_later(3ms, [&] { order.push_back(3); loop.stop(); });
  loop.call_later(1ms, [&] { order.push_back(1); });
  loop.call_later(2ms, [&] { order.push_back(2); });
  loop.call_later(0ms, [&] { order.push_back(0); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(EventLoop, ACancelledTimerNeverRuns) {
  EventLoop loop;
  bool ran = false;
  TimerHandle h = loop.call_later(1ms, [&] { ran = true; });
  EXPECT_TRUE(h);
  EXPECT_FALSE(h.cancelled());
  EXPECT_TRUE(h.cancel());
  EXPECT_TRUE(h.cancelled());
  EXPECT_FALSE(h.cancel());  // only once
  loop.call_later(2ms, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_FALSE(ran);
}

TEST(EventLoop, CancellingAFiredTimerDoesNothing) {
  EventLoop loop;
  int ran = 0;
  TimerHandle h = loop.call_later(0ms, [&] {
    ++ran;
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(h.cancel());
  EXPECT_FALSE(h.cancelled());
  EXPECT_FALSE(TimerHandle{}.cancel());
}

TEST(EventLoop, TimerCancelledByAnEarlierCallbackOfTheSameIteration) {
  EventLoop loop;
  bool ran = false;
  TimerHandle later;
  const auto when = loop.time() + 1ms;
  loop.call_at(when, [&] { later.cancel(); });
  later = loop.call_at(when, [&] { ran = true; });
  loop.call_at(when + 1ms, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_FALSE(ran);
}

TEST(EventLoop, ManyCancelledFarTimersAreCompacted) {
  EventLoop loop;
  std::vector<TimerHandle> far;
  for (int i = 0; i < 5000; ++i) far.push_back(loop.call_later(1h, [] { FAIL() << "cancelled timer ran"; }));
  for (auto& h : far) h.cancel();
  bool ran = false;
  loop.call_later(0ms, [&] {
    ran = true;
    loop.stop();
  });
  loop.run_forever();  // would block for an hour if a cancelled timer were waited for
  EXPECT_TRUE(ran);
}

TEST(EventLoop, TimersScheduledFromAnotherThread) {
  EventLoop loop;
  LoopThread runner(loop);
  Promise<bool> p;
  auto f = p.get_future();
  // The promise moves into the callback: the thread that completes a promise
  // owns it (the test thread may destroy its objects as soon as get() returns).
  std::thread([&] {
    loop.call_later(1ms, [&loop, p = std::move(p)]() mutable { p.set_result(loop.running_in_this_thread()); });
  }).join();
  EXPECT_TRUE(f.get());
}

TEST(EventLoop, PollersRunEveryIterationUntilRemoved) {
  EventLoop loop;
  int calls = 0;
  PollerId id{};
  id = loop.add_poller([&] {
    if (++calls == 100) {
      loop.remove_poller(id);  // from inside itself
      loop.call_soon([&] { loop.stop(); });
    }
    return true;  // "did work": the loop keeps polling without waiting
  });
  loop.run_forever();
  EXPECT_EQ(calls, 100);
}

TEST(EventLoop, PollersAddedByAPollerStartNextIteration) {
  EventLoop loop;
  std::vector<std::string> order;
  bool added = false;
  loop.add_poller([&] {
    order.push_back("first");
    if (!added) {
      added = true;
      loop.add_poller([&] {
        order.push_back("second");
        loop.stop();
        return false;
      });
    }
    return false;
  });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "first", "second"}));
}

TEST(EventLoop, IdlePollersStillWakeForAThreadsafePost) {
  // Back-off of one hour from the first idle iteration: only the post can wake
  // the loop before the test's timeout.
  EventLoop::Options options;
  options.min_idle_wait = 1h;
  options.max_idle_wait = 1h;
  options.idle_spins = 0;
  EventLoop loop(options);
  std::latch polled(1);
  std::atomic<int> polls{0};
  loop.add_poller([&] {
    if (polls.fetch_add(1) == 0) polled.count_down();
    return false;
  });
  std::thread t([&] { loop.run_forever(); });
  polled.wait();
  loop.call_soon_threadsafe([&] { loop.stop(); });
  t.join();
  EXPECT_GE(polls.load(), 1);
}

TEST(EventLoop, IdleWithoutPollersWakesForAThreadsafePost) {
  EventLoop loop;
  loop.call_later(1h, [] {});  // a far timer: the loop sleeps until it, or a post
  std::latch ran(1);
  std::thread t([&] {
    loop.call_soon([&] { ran.count_down(); });
    loop.run_forever();
  });
  ran.wait();
  loop.call_soon_threadsafe([&] { loop.stop(); });
  t.join();
  SUCCEED();
}

TEST(EventLoop, AddAndRemovePollerFromAnotherThread) {
  EventLoop loop;
  LoopThread runner(loop);
  std::latch polled(1);
  std::atomic<int> calls{0};
  std::atomic<bool> on_loop{true};
  PollerId id = loop.add_poller([&] {
    on_loop = on_loop && loop.running_in_this_thread();
    if (calls.fetch_add(1) == 0) polled.count_down();
    return false;
  });
  polled.wait();
  loop.remove_poller(id);
  // After a round trip through the loop the removal has happened.
  auto round_trip = [&] {
    Promise<void> p;
    auto f = p.get_future();
    loop.call_soon_threadsafe([p = std::move(p)]() mutable { p.set_result(); });
    f.get();
  };
  round_trip();
  const int after = calls.load();
  round_trip();
  EXPECT_EQ(calls.load(), after);
  EXPECT_TRUE(on_loop.load());
}

TEST(EventLoop, ExceptionsLeaveTheRunAndTheLoopCanRunAgain) {
  EventLoop loop;
  bool second = false;
  loop.call_soon([] { throw std::runtime_error("callback failed"); });
  loop.call_soon([&] { second = true; });
  EXPECT_THROW(loop.run_forever(), std::runtime_error);
  EXPECT_FALSE(loop.is_running());
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  EXPECT_TRUE(second);
}

TEST(EventLoop, ARunInsideARunThrows) {
  EventLoop loop;
  bool threw = false;
  loop.call_soon([&] {
    try {
      loop.run_forever();
    } catch (const cohort::Error& e) {
      threw = e.errc() == cohort::Errc::invalid_state;
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(threw);
}

TEST(EventLoop, CloseDropsPendingWork) {
  EventLoop loop;
  Promise<int> p1, p2;
  auto f1 = p1.get_future(), f2 = p2.get_future();
  loop.call_soon([p = std::move(p1)]() mutable { p.set_result(1); });
  loop.call_later(1h, [p = std::move(p2)]() mutable { p.set_result(2); });
  loop.close();
  EXPECT_TRUE(loop.is_closed());
  EXPECT_THROW(f1.get(), cohort::BrokenPromise);
  EXPECT_THROW(f2.get(), cohort::BrokenPromise);
  EXPECT_THROW(loop.call_soon([] {}), cohort::Error);
  EXPECT_THROW(loop.call_later(1ms, [] {}), cohort::Error);
  EXPECT_THROW(loop.run_forever(), cohort::Error);
  bool ran = false;
  loop.post([&] { ran = true; });  // Executor contract: dropped, not thrown
  EXPECT_FALSE(ran);
}

TEST(EventLoop, CloseWhileRunningThrows) {
  EventLoop loop;
  bool threw = false;
  loop.call_soon([&] {
    try {
      loop.close();
    } catch (const cohort::Error& e) {
      threw = e.errc() == cohort::Errc::invalid_state;
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(threw);
}

TEST(EventLoop, IsAnExecutor) {
  EventLoop loop;
  cohort::core::Executor& ex = loop;
  bool ran = false;
  ex.post([&] {
    ran = loop.running_in_this_thread();
    loop.stop();
  });
  EXPECT_FALSE(ran);
  loop.run_forever();
  EXPECT_TRUE(ran);
}

TEST(EventLoop, BadOptionsAreRejected) {
  EventLoop::Options options;
  options.min_idle_wait = 2ms;
  options.max_idle_wait = 1ms;
  EXPECT_THROW(EventLoop{options}, cohort::Error);
}

namespace {
Detached sleeper(EventLoop& loop, std::vector<std::string>& log, bool& on_loop) {
  log.push_back("before");
  co_await loop.sleep(2ms);
  on_loop = loop.running_in_this_thread();
  log.push_back("after");
  loop.stop();
}

Detached sleeper_from_pool(ThreadPool& pool, EventLoop& loop, Promise<bool>& resumed_on_loop) {
  co_await [&] {
    struct ToPool {
      ThreadPool& pool;
      bool await_ready() { return false; }
      void await_suspend(std::coroutine_handle<> h) { pool.post([h] { h.resume(); }); }
      void await_resume() {}
    };
    return ToPool{pool};
  }();
  const bool was_on_pool = pool.running_in_this_thread();
  co_await loop.sleep(1ms);
  resumed_on_loop.set_result(was_on_pool && loop.running_in_this_thread());
}
}  // namespace

TEST(EventLoop, SleepResumesTheCoroutineOnTheLoop) {
  EventLoop loop;
  std::vector<std::string> log;
  bool on_loop = false;
  loop.call_soon([&] { sleeper(loop, log, on_loop); });
  loop.run_forever();
  EXPECT_EQ(log, (std::vector<std::string>{"before", "after"}));
  EXPECT_TRUE(on_loop);
}

TEST_P(EventLoopThreads, SleepAwaitedOnAPoolThreadResumesOnTheLoop) {
  ThreadPool pool(static_cast<std::size_t>(threads()));
  EventLoop loop;
  Promise<bool> resumed;
  auto f = resumed.get_future();
  sleeper_from_pool(pool, loop, resumed);
  EXPECT_TRUE(loop.run_until_complete(std::move(f)));
}

COHORT_INSTANTIATE_THREAD_COUNTS(EventLoopThreads);
