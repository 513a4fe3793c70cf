// Future / Promise / SharedFuture: every API point, single-threaded and under
// 1/2/4/8 producer threads. Events are ordered by a ManualExecutor or latches.
#include <cohort/core/future.hpp>
#include <cohort/core/manual_executor.hpp>

#include "future_counting.hpp"
#include "thread_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
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
using cohort::core::CallbackId;
using cohort::core::Future;
using cohort::core::FutureView;
using cohort::core::make_exceptional_future;
using cohort::core::make_ready_future;
using cohort::core::ManualExecutor;
using cohort::core::Promise;
using cohort::core::SharedFuture;
using cohort::test::Counted;

std::exception_ptr boom() { return std::make_exception_ptr(std::runtime_error("boom")); }

TEST(Future, SetResultThenGet) {
  Promise<int> p;
  Future<int> f = p.get_future();
  EXPECT_TRUE(f.valid());
  EXPECT_FALSE(f.done());
  p.set_result(42);
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.exception(), nullptr);
  EXPECT_EQ(f.get(), 42);
}

TEST(Future, ResultIsAnAliasOfGet) {
  Promise<std::string> p;
  auto f = p.get_future();
  p.set_result("x");
  EXPECT_EQ(f.result(), "x");
}

TEST(Future, MoveOnlyValue) {
  Promise<std::unique_ptr<int>> p;
  auto f = p.get_future();
  p.set_result(std::make_unique<int>(7));
  EXPECT_EQ(*f.get(), 7);
}

TEST(Future, SecondGetOfAValueThrowsInvalidState) {
  Promise<int> p;
  auto f = p.get_future();
  p.set_result(1);
  EXPECT_EQ(f.get(), 1);
  EXPECT_TRUE(f.done());  // still valid, still done
  EXPECT_THROW(f.get(), InvalidStateError);
}

TEST(Future, VoidFuture) {
  Promise<void> p;
  Future<void> f = p.get_future();
  EXPECT_FALSE(f.done());
  p.set_result();
  f.get();
  f.get();  // void: repeatable
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.exception(), nullptr);
}

TEST(Future, ExceptionPropagates) {
  Promise<int> p;
  auto f = p.get_future();
  p.set_exception(boom());
  EXPECT_TRUE(f.done());
  EXPECT_NE(f.exception(), nullptr);
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_THROW(f.get(), std::runtime_error);  // an error can be read again
}

TEST(Future, SetTwiceThrowsButTryReturnsFalse) {
  Promise<int> p;
  auto f = p.get_future();
  p.set_result(1);
  EXPECT_THROW(p.set_result(2), InvalidStateError);
  EXPECT_THROW(p.set_exception(boom()), InvalidStateError);
  EXPECT_FALSE(p.try_set_result(3));
  EXPECT_FALSE(p.try_set_exception(boom()));
  EXPECT_EQ(f.get(), 1);
}

TEST(Future, NullExceptionIsRejected) {
  Promise<int> p;
  EXPECT_THROW(p.set_exception(nullptr), InvalidStateError);
}

TEST(Future, GetFutureTwiceThrows) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_THROW((void)p.get_future(), InvalidStateError);
}

TEST(Future, EmptyFutureThrowsInvalidState) {
  Future<int> f;
  EXPECT_FALSE(f.valid());
  EXPECT_THROW(f.get(), InvalidStateError);
  EXPECT_THROW((void)f.done(), InvalidStateError);
  Future<int> g = make_ready_future(1);
  Future<int> h = std::move(g);
  EXPECT_FALSE(g.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(h.get(), 1);
}

TEST(Future, BrokenPromiseIsAnErrorNotAHang) {
  Future<int> f;
  {
    Promise<int> p;
    f = p.get_future();
  }
  EXPECT_TRUE(f.done());
  EXPECT_THROW(f.get(), BrokenPromise);
}

TEST(Future, BrokenPromiseRunsCallbacks) {
  bool ran = false;
  Future<void> f;
  {
    Promise<void> p;
    f = p.get_future();
    f.add_done_callback([&](FutureView<void> v) {
      EXPECT_THROW(v.result(), BrokenPromise);
      ran = true;
    });
  }
  EXPECT_TRUE(ran);
}

TEST(Future, MoveAssigningAPromiseBreaksTheOldOne) {
  Promise<int> p;
  auto f = p.get_future();
  p = Promise<int>();
  EXPECT_THROW(f.get(), BrokenPromise);
}

TEST(Future, CancelWhilePending) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancel());  // already cancelled: still true (Python)
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(p.is_cancelled());
  EXPECT_THROW(f.get(), CancelledError);
  EXPECT_THROW(f.exception(), CancelledError);
  EXPECT_FALSE(p.set_running_or_notify_cancel());
  EXPECT_FALSE(p.try_set_result(1));
  EXPECT_THROW(p.set_result(1), InvalidStateError);
}

TEST(Future, CancelWhileRunningFails) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_TRUE(p.set_running_or_notify_cancel());
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.cancelled());
  EXPECT_THROW(p.set_running_or_notify_cancel(), InvalidStateError);
  p.set_result(5);
  EXPECT_FALSE(f.running());
  EXPECT_EQ(f.get(), 5);
}

TEST(Future, CancelAfterDoneFails) {
  auto f = make_ready_future(3);
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.get(), 3);
}

TEST(Future, ProducerTryCancel) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_TRUE(p.set_running_or_notify_cancel());
  EXPECT_TRUE(p.try_cancel());  // the producer may give up even while running
  EXPECT_TRUE(f.cancelled());
  EXPECT_FALSE(p.try_cancel());
  EXPECT_THROW(f.get(), CancelledError);
}

TEST(Future, WaitForTimesOutOnPending) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_FALSE(f.wait_for(0ms));
  EXPECT_FALSE(f.wait_for(1ms));
  EXPECT_FALSE(f.wait_until(std::chrono::steady_clock::now()));
  EXPECT_FALSE(f.wait_until(std::chrono::system_clock::now()));
  EXPECT_THROW(f.get(1ms), TimeoutError);
  EXPECT_THROW(f.result(0ms), TimeoutError);
  EXPECT_THROW(f.exception(0ms), TimeoutError);
  p.set_result(9);
  EXPECT_TRUE(f.wait_for(0ms));
  EXPECT_TRUE(f.wait_for(std::chrono::hours(1'000'000'000)));  // saturates, no overflow
  EXPECT_EQ(f.get(1h), 9);
}

TEST(Future, CallbacksRunInOrderOnCompletion) {
  Promise<int> p;
  auto f = p.get_future();
  std::vector<int> order;
  f.add_done_callback([&](FutureView<int> v) { order.push_back(v.result()); });
  f.add_done_callback([&] { order.push_back(-1); });
  EXPECT_TRUE(order.empty());
  p.set_result(4);
  EXPECT_EQ(order, (std::vector<int>{4, -1}));
  EXPECT_EQ(f.get(), 4);  // a callback's read does not consume the value
}

TEST(Future, CallbackAddedAfterCompletionRunsAtOnce) {
  auto f = make_ready_future(std::string("done"));
  std::string seen;
  CallbackId id = f.add_done_callback([&](FutureView<std::string> v) { seen = v.result(); });
  EXPECT_EQ(seen, "done");
  EXPECT_EQ(id, 0u);
  EXPECT_FALSE(f.remove_done_callback(id));
}

TEST(Future, RemoveDoneCallback) {
  Promise<int> p;
  auto f = p.get_future();
  int a = 0, b = 0;
  CallbackId ia = f.add_done_callback([&] { ++a; });
  CallbackId ib = f.add_done_callback([&] { ++b; });
  EXPECT_NE(ia, ib);
  EXPECT_TRUE(f.remove_done_callback(ia));
  EXPECT_FALSE(f.remove_done_callback(ia));
  p.set_result(1);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_FALSE(f.remove_done_callback(ib));  // already ran
}

TEST(Future, CallbackSeesErrorsAndCancellation) {
  Promise<int> p;
  auto f = p.get_future();
  bool saw_cancel = false;
  f.add_done_callback([&](FutureView<int> v) {
    saw_cancel = v.cancelled();
    EXPECT_THROW(v.exception(), CancelledError);
    EXPECT_THROW(v.result(), CancelledError);
  });
  f.cancel();
  EXPECT_TRUE(saw_cancel);

  auto g = make_exceptional_future<int>(boom());
  g.add_done_callback([](FutureView<int> v) {
    EXPECT_FALSE(v.has_value());
    EXPECT_NE(v.exception(), nullptr);
  });
}

TEST(Future, ThrowingCallbackDoesNotStopTheOthers) {
  Promise<int> p;
  auto f = p.get_future();
  bool second = false;
  f.add_done_callback([] { throw std::runtime_error("callback failure (expected in this test)"); });
  f.add_done_callback([&] { second = true; });
  EXPECT_NO_THROW(p.set_result(1));
  EXPECT_TRUE(second);
  EXPECT_EQ(f.get(), 1);
}

TEST(Future, CallbackMayWaitOnItsOwnSharedFuture) {
  Promise<int> p;
  SharedFuture<int> s = p.get_future().share();
  int seen = 0;
  s.add_done_callback([&seen, s] { seen = s.get(); });  // must not deadlock
  p.set_result(8);
  EXPECT_EQ(seen, 8);
}

TEST(Future, ThenRunsOnTheExecutorNotInline) {
  ManualExecutor ex;
  Promise<int> p;
  auto f = p.get_future().then(ex, [](int x) { return x + 1; });
  p.set_result(1);
  EXPECT_FALSE(f.done());
  EXPECT_EQ(ex.pending(), 1u);
  EXPECT_EQ(ex.run_all(), 1u);
  EXPECT_EQ(f.get(), 2);
}

TEST(Future, ThenOnReadyFuturePostsAtOnce) {
  ManualExecutor ex;
  auto f = make_ready_future(2).then(ex, [](int x) { return std::to_string(x); });
  EXPECT_EQ(ex.pending(), 1u);
  ex.run_all();
  EXPECT_EQ(f.get(), "2");
}

TEST(Future, ThenChainsAndHandlesVoid) {
  ManualExecutor ex;
  Promise<void> p;
  int side = 0;
  Future<void> f = p.get_future()
                       .then(ex, [] { return 10; })
                       .then(ex, [&](int x) { side = x; })
                       .then(ex, [] {});
  p.set_result();
  ex.run_all();
  f.get();
  EXPECT_EQ(side, 10);
}

TEST(Future, ThenPropagatesExceptionsAndSkipsFn) {
  ManualExecutor ex;
  Promise<int> p;
  bool ran = false;
  auto f = p.get_future().then(ex, [&](int) { ran = true; return 0; }).then(ex, [](int x) { return x; });
  p.set_exception(boom());
  ex.run_all();
  EXPECT_FALSE(ran);
  EXPECT_THROW(f.get(), std::runtime_error);
}

TEST(Future, ThenCapturesWhatFnThrows) {
  ManualExecutor ex;
  auto f = make_ready_future(1).then(ex, [](int) -> int { throw std::out_of_range("fn"); });
  ex.run_all();
  EXPECT_THROW(f.get(), std::out_of_range);
}

TEST(Future, ThenPropagatesCancellation) {
  ManualExecutor ex;
  Promise<int> p;
  auto src = p.get_future();
  src.cancel();
  auto f = std::move(src).then(ex, [](int x) { return x; });
  ex.run_all();
  EXPECT_TRUE(f.cancelled());
}

TEST(Future, CancellingTheThenFutureSkipsFn) {
  ManualExecutor ex;
  bool ran = false;
  auto f = make_ready_future(1).then(ex, [&](int) { ran = true; });
  EXPECT_TRUE(f.cancel());
  ex.run_all();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(f.cancelled());
}

TEST(Future, ThenUnwrapsAReturnedFuture) {
  ManualExecutor ex;
  Promise<int> inner;
  auto inner_f = std::make_shared<Future<int>>(inner.get_future());
  auto f = make_ready_future(1).then(ex, [inner_f](int) { return std::move(*inner_f); });
  static_assert(std::is_same_v<decltype(f), Future<int>>);
  ex.run_all();
  EXPECT_FALSE(f.done());
  inner.set_result(99);
  EXPECT_EQ(f.get(), 99);
}

TEST(Future, ThenOnDroppedExecutorWorkIsABrokenPromise) {
  Future<int> f;
  {
    ManualExecutor ex;
    f = make_ready_future(1).then(ex, [](int x) { return x; });
  }  // the queued continuation is destroyed unrun
  EXPECT_THROW(f.get(), BrokenPromise);
}

TEST(SharedFuture, ManyReadersOneValue) {
  Promise<std::string> p;
  SharedFuture<std::string> a = p.get_future().share();
  SharedFuture<std::string> b = a;
  EXPECT_FALSE(a.done());
  p.set_result("shared");
  EXPECT_EQ(a.get(), "shared");
  EXPECT_EQ(b.get(), "shared");
  EXPECT_EQ(&a.get(), &b.get());  // one value, not copies
  EXPECT_EQ(a.exception(), nullptr);
  EXPECT_EQ(b.get(0ms), "shared");
}

TEST(SharedFuture, ShareConsumesTheFuture) {
  Promise<int> p;
  Future<int> f = p.get_future();
  SharedFuture<int> s = f.share();
  EXPECT_FALSE(f.valid());
  EXPECT_TRUE(s.valid());
  EXPECT_FALSE(s.wait_for(0ms));
  EXPECT_THROW(s.get(0ms), TimeoutError);
}

TEST(SharedFuture, ThenCopiesAndKeepsTheHandle) {
  ManualExecutor ex;
  Promise<int> p;
  SharedFuture<int> s = p.get_future().share();
  auto doubled = s.then(ex, [](const int& x) { return 2 * x; });
  auto tripled = s.then(ex, [](int x) { return 3 * x; });
  p.set_result(5);
  ex.run_all();
  EXPECT_EQ(doubled.get(), 10);
  EXPECT_EQ(tripled.get(), 15);
  EXPECT_EQ(s.get(), 5);
}

TEST(SharedFuture, VoidAndErrors) {
  Promise<void> p;
  auto s = p.get_future().share();
  auto t = s;
  p.set_exception(boom());
  EXPECT_THROW(s.get(), std::runtime_error);
  EXPECT_THROW(t.get(), std::runtime_error);
  EXPECT_NE(t.exception(), nullptr);
}

TEST(FutureLeaks, ValuesPromisesAndCallbacksAreDestroyed) {
  Counted::Scope scope;
  ManualExecutor ex;
  {
    Promise<Counted> p;
    auto f = p.get_future();
    p.set_result(Counted(1));
    EXPECT_EQ(f.get().value, 1);
  }
  {
    Promise<Counted> p;  // never completed, never read
    auto f = p.get_future();
  }
  {
    Promise<int> p;  // a callback holding a Counted, removed
    auto f = p.get_future();
    auto id = f.add_done_callback([c = Counted(2)] { (void)c; });
    f.remove_done_callback(id);
    p.set_result(1);
  }
  {
    Promise<Counted> p;  // then-chain, value moved through
    auto f = p.get_future().then(ex, [c = Counted(3)](Counted x) { return Counted(x.value + c.value); });
    p.set_result(Counted(4));
    ex.run_all();
    EXPECT_EQ(f.get().value, 7);
  }
  {
    Promise<Counted> p;  // then-chain whose continuation is dropped unrun
    ManualExecutor dropped;
    auto f = p.get_future().then(dropped, [c = Counted(5)](Counted x) { return x; });
    p.set_result(Counted(6));
  }
  {
    Promise<Counted> p;  // a callback pending on a state that is broken
    auto f = p.get_future();
    f.add_done_callback([c = Counted(7)] {});
  }
  EXPECT_EQ(Counted::live(), 0);
}

// ---- across 1/2/4/8 producer threads -----------------------------------------

class FutureThreads : public cohort::test::ThreadCountTest {};

TEST_P(FutureThreads, ProducersCompleteWhileConsumersWait) {
  constexpr int kPerThread = 200;
  const int n = threads();
  std::vector<Promise<int>> promises(static_cast<std::size_t>(n * kPerThread));
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  std::atomic<int> callbacks{0};
  for (auto& f : futures) f.add_done_callback([&] { callbacks.fetch_add(1); });
  std::thread consumer([&] {
    long sum = 0;
    for (auto& f : futures) sum += f.get();  // blocks while producers run
    EXPECT_EQ(sum, static_cast<long>(n) * kPerThread * (n * kPerThread - 1) / 2);
  });
  cohort::test::run_on_threads(n, [&](int t) {
    for (int i = t; i < n * kPerThread; i += n) promises[static_cast<std::size_t>(i)].set_result(i);
  });
  consumer.join();
  EXPECT_EQ(callbacks.load(), n * kPerThread);  // every callback ran before its get() returned
}

TEST_P(FutureThreads, CancelRacesSetResultExactlyOneWins) {
  constexpr int kRounds = 100;
  const int n = threads();
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Promise<int>> promises(static_cast<std::size_t>(n));
    std::vector<Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    std::atomic<int> cancels{0}, sets{0}, callbacks{0};
    for (auto& f : futures) f.add_done_callback([&] { callbacks.fetch_add(1); });
    cohort::test::run_on_threads(2 * n, [&](int t) {
      auto i = static_cast<std::size_t>(t / 2);
      if (t % 2 == 0) {
        if (futures[i].cancel()) cancels.fetch_add(1);
      } else if (promises[i].try_set_result(t)) {
        sets.fetch_add(1);
      }
    });
    ASSERT_EQ(cancels.load() + sets.load(), n);
    ASSERT_EQ(callbacks.load(), n);
    for (auto& f : futures) ASSERT_TRUE(f.cancelled() || f.get() >= 0);
  }
}

TEST_P(FutureThreads, CallbacksAddedWhileCompletingRunExactlyOnce) {
  constexpr int kRounds = 100;
  const int n = threads();
  for (int round = 0; round < kRounds; ++round) {
    Promise<int> p;
    auto s = p.get_future().share();
    std::atomic<int> ran{0};
    cohort::test::run_on_threads(n + 1, [&](int t) {
      if (t == 0) {
        p.set_result(1);
      } else {
        auto mine = s;  // each thread its own handle
        mine.add_done_callback([&](FutureView<int> v) { ran.fetch_add(v.result()); });
      }
    });
    ASSERT_EQ(ran.load(), n);
  }
}

TEST_P(FutureThreads, SharedFutureReadFromManyThreads) {
  const int n = threads();
  Promise<std::vector<int>> p;
  SharedFuture<std::vector<int>> s = p.get_future().share();
  std::latch waiting(n);
  std::thread producer([&] {
    waiting.wait();  // every reader is about to block
    p.set_result(std::vector<int>(1000, 1));
  });
  cohort::test::run_on_threads(n, [&, s](int) {
    auto mine = s;
    waiting.count_down();
    EXPECT_EQ(mine.get().size(), 1000u);
  });
  producer.join();
}

COHORT_INSTANTIATE_THREAD_COUNTS(FutureThreads);

}  // namespace
