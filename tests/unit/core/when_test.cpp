// when_all / when_any / as_completed / wait: each mode, errors, cancellation,
// timeouts, and producers on 1/2/4/8 threads.
#include <cohort/core/when.hpp>

#include "future_counting.hpp"
#include "thread_counts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cohort::CancelledError;
using cohort::InvalidStateError;
using cohort::TimeoutError;
using cohort::core::as_completed;
using cohort::core::Future;
using cohort::core::make_ready_future;
using cohort::core::Promise;
using cohort::core::ReturnWhen;
using cohort::core::SharedFuture;
using cohort::core::when_all;
using cohort::core::when_any;
using cohort::test::Counted;
namespace core = cohort::core;

std::exception_ptr boom() { return std::make_exception_ptr(std::runtime_error("boom")); }

struct Batch {
  explicit Batch(std::size_t n) : promises(n) {
    for (auto& p : promises) futures.push_back(p.get_future());
  }
  std::vector<Promise<int>> promises;
  std::vector<Future<int>> futures;
};

TEST(WhenAll, VectorKeepsArgumentOrder) {
  Batch b(3);
  auto all = when_all(std::move(b.futures));
  b.promises[2].set_result(2);
  b.promises[0].set_result(0);
  EXPECT_FALSE(all.done());
  b.promises[1].set_result(1);
  EXPECT_EQ(all.get(), (std::vector<int>{0, 1, 2}));
}

TEST(WhenAll, EmptyIsDoneAtOnce) {
  EXPECT_TRUE(when_all(std::vector<Future<int>>{}).get().empty());
  when_all(std::vector<Future<void>>{}).get();
  std::get<0>(when_all(make_ready_future(1)).get());
}

TEST(WhenAll, FirstErrorWinsWithoutWaitingForTheRest) {
  Batch b(3);
  auto all = when_all(std::move(b.futures));
  b.promises[1].set_exception(boom());
  EXPECT_TRUE(all.done());
  EXPECT_THROW(all.get(), std::runtime_error);
  b.promises[0].set_exception(std::make_exception_ptr(std::logic_error("later")));  // dropped
}

TEST(WhenAll, CancelledInputCancelsTheResult) {
  Batch b(2);
  b.futures[0].cancel();
  auto all = when_all(std::move(b.futures));
  EXPECT_TRUE(all.cancelled());
  EXPECT_THROW(all.get(), CancelledError);
}

TEST(WhenAll, BrokenInputIsAnError) {
  std::vector<Future<int>> fs;
  {
    Promise<int> p;
    fs.push_back(p.get_future());
  }
  fs.push_back(make_ready_future(1));
  EXPECT_THROW(when_all(std::move(fs)).get(), cohort::BrokenPromise);
}

TEST(WhenAll, VoidVector) {
  std::vector<Promise<void>> ps(2);
  std::vector<Future<void>> fs;
  for (auto& p : ps) fs.push_back(p.get_future());
  Future<void> all = when_all(std::move(fs));
  ps[0].set_result();
  EXPECT_FALSE(all.done());
  ps[1].set_result();
  all.get();
}

TEST(WhenAll, VariadicMixesTypesAndVoid) {
  Promise<int> a;
  Promise<void> b;
  Promise<std::string> c;
  auto all = when_all(a.get_future(), b.get_future(), c.get_future());
  c.set_result("c");
  b.set_result();
  a.set_result(1);
  auto [x, y, z] = all.get();
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, std::monostate{});
  EXPECT_EQ(z, "c");
}

TEST(WhenAll, VariadicError) {
  Promise<int> a;
  auto all = when_all(a.get_future(), make_ready_future(std::string("s")));
  a.set_exception(boom());
  EXPECT_THROW(all.get(), std::runtime_error);
}

TEST(WhenAll, InvalidInputThrows) {
  std::vector<Future<int>> fs(1);
  EXPECT_THROW((void)when_all(std::move(fs)), InvalidStateError);
}

TEST(WhenAny, IndexOfTheFirstToComplete) {
  Batch b(3);
  auto any = when_any(b.futures);
  EXPECT_FALSE(any.done());
  b.promises[1].set_result(10);
  b.promises[0].set_result(0);
  EXPECT_EQ(any.get(), 1u);
  EXPECT_EQ(b.futures[1].get(), 10);  // the futures stay with the caller
  EXPECT_EQ(b.futures[0].get(), 0);
}

TEST(WhenAny, AnErrorCountsAsCompleted) {
  Batch b(2);
  auto any = when_any(b.futures);
  b.promises[1].set_exception(boom());
  EXPECT_EQ(any.get(), 1u);
  EXPECT_THROW(b.futures[1].get(), std::runtime_error);
}

TEST(WhenAny, AlreadyDoneAndVariadic) {
  Promise<int> a;
  auto fa = a.get_future();
  auto fb = make_ready_future(std::string("b"));
  EXPECT_EQ(when_any(fa, fb).get(), 1u);
  std::vector<Future<int>> none;
  EXPECT_THROW(when_any(none).get(), InvalidStateError);
}

TEST(WhenAny, SharedFutures) {
  Promise<int> a, b;
  std::vector<SharedFuture<int>> fs{a.get_future().share(), b.get_future().share()};
  auto any = when_any(fs);
  b.set_result(2);
  EXPECT_EQ(any.get(), 1u);
  EXPECT_EQ(fs[1].get(), 2);
}

TEST(Wait, AllCompleted) {
  Batch b(3);
  for (int i = 0; i < 3; ++i) b.promises[static_cast<std::size_t>(i)].set_result(i);
  auto r = core::wait(b.futures);
  EXPECT_EQ(r.done, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(r.not_done.empty());
}

TEST(Wait, FirstCompletedReturnsWhatIsDone) {
  Batch b(3);
  b.promises[1].set_result(1);
  auto r = core::wait(b.futures, ReturnWhen::first_completed);
  EXPECT_EQ(r.done, (std::vector<std::size_t>{1}));
  EXPECT_EQ(r.not_done, (std::vector<std::size_t>{0, 2}));
}

TEST(Wait, FirstCompletedBlocksUntilOneCompletes) {
  Batch b(2);
  std::thread producer([&] { b.promises[0].set_result(0); });
  auto r = core::wait(b.futures, ReturnWhen::first_completed);
  producer.join();
  ASSERT_FALSE(r.done.empty());
  EXPECT_EQ(r.done.front(), 0u);
}

TEST(Wait, FirstExceptionStopsAtTheFirstError) {
  Batch b(3);
  b.promises[0].set_result(0);  // a value does not satisfy first_exception
  std::thread producer([&] { b.promises[2].set_exception(boom()); });
  auto r = core::wait(b.futures, ReturnWhen::first_exception);
  producer.join();
  EXPECT_EQ(r.done, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(r.not_done, (std::vector<std::size_t>{1}));
}

TEST(Wait, FirstExceptionWithoutErrorsIsAllCompleted) {
  Batch b(2);
  b.promises[0].set_result(0);
  b.futures[1].cancel();  // cancellation is not an exception here (Python)
  auto r = core::wait(b.futures, ReturnWhen::first_exception);
  EXPECT_EQ(r.done.size(), 2u);
}

TEST(Wait, TimeoutReturnsThePartialSplit) {
  Batch b(3);
  b.promises[0].set_result(0);
  for (auto mode : {ReturnWhen::all_completed, ReturnWhen::first_exception}) {
    auto r = core::wait(b.futures, mode, 1ms);
    EXPECT_EQ(r.done, (std::vector<std::size_t>{0}));
    EXPECT_EQ(r.not_done, (std::vector<std::size_t>{1, 2}));
  }
  Batch none(2);
  auto r = core::wait(none.futures, ReturnWhen::first_completed, 0ms);
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.not_done.size(), 2u);
}

TEST(Wait, EmptyReturnsAtOnce) {
  std::vector<Future<int>> none;
  for (auto mode : {ReturnWhen::first_completed, ReturnWhen::first_exception, ReturnWhen::all_completed}) {
    auto r = core::wait(none, mode);
    EXPECT_TRUE(r.done.empty());
    EXPECT_TRUE(r.not_done.empty());
  }
}

TEST(Wait, LeavesNoCallbacksBehind) {
  Counted::Scope scope;
  Promise<Counted> p;
  std::vector<Future<Counted>> fs;
  fs.push_back(p.get_future());
  core::wait(fs, ReturnWhen::all_completed, 0ms);  // times out; its callback is removed
  p.set_result(Counted(1));
  EXPECT_EQ(fs[0].get().value, 1);
}

TEST(AsCompleted, YieldsInCompletionOrder) {
  Batch b(3);
  b.promises[2].set_result(2);
  std::vector<int> seen;
  std::thread producer;
  bool started = false;
  for (Future<int>& f : as_completed(b.futures)) {
    seen.push_back(f.get());
    if (!started) {  // complete the rest only after the first was yielded
      started = true;
      producer = std::thread([&] {
        b.promises[0].set_result(0);
        b.promises[1].set_result(1);
      });
    }
  }
  producer.join();
  EXPECT_EQ(seen, (std::vector<int>{2, 0, 1}));
}

TEST(AsCompleted, NextIndexAndTimeout) {
  Batch b(2);
  b.promises[1].set_result(1);
  auto range = as_completed(b.futures, 1ms);
  EXPECT_EQ(range.next_index(), std::optional<std::size_t>(1));
  EXPECT_THROW(range.next_index(), TimeoutError);
  b.promises[0].set_result(0);
  EXPECT_EQ(range.next_index(), std::optional<std::size_t>(0));  // late but there
  EXPECT_EQ(range.next_index(), std::nullopt);
}

TEST(AsCompleted, ErrorsAndCancellationAreYieldedToo) {
  Batch b(2);
  b.promises[0].set_exception(boom());
  b.futures[1].cancel();
  int n = 0;
  for (auto& f : as_completed(b.futures)) {
    EXPECT_TRUE(f.done());
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// ---- across 1/2/4/8 producer threads -----------------------------------------

class WhenThreads : public cohort::test::ThreadCountTest {};

TEST_P(WhenThreads, WhenAllCollectsFromManyProducers) {
  Counted::Scope scope;
  const int n = threads();
  const std::size_t total = static_cast<std::size_t>(n) * 100;
  std::vector<Promise<Counted>> ps(total);
  std::vector<Future<Counted>> fs;
  for (auto& p : ps) fs.push_back(p.get_future());
  auto all = when_all(std::move(fs));
  cohort::test::run_on_threads(n, [&](int t) {
    for (std::size_t i = static_cast<std::size_t>(t); i < total; i += static_cast<std::size_t>(n)) {
      ps[i].set_result(Counted(static_cast<int>(i)));
    }
  });
  auto values = all.get();
  ASSERT_EQ(values.size(), total);
  for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(values[i].value, static_cast<int>(i));
}

TEST_P(WhenThreads, ConcurrentErrorsSetTheResultOnce) {
  const int n = threads();
  for (int round = 0; round < 50; ++round) {
    std::vector<Promise<int>> ps(static_cast<std::size_t>(n));
    std::vector<Future<int>> fs;
    for (auto& p : ps) fs.push_back(p.get_future());
    auto all = when_all(std::move(fs));
    cohort::test::run_on_threads(n, [&](int t) { ps[static_cast<std::size_t>(t)].set_exception(boom()); });
    ASSERT_THROW(all.get(), std::runtime_error);
  }
}

TEST_P(WhenThreads, AsCompletedSeesEveryFutureOnce) {
  const int n = threads();
  Batch b(static_cast<std::size_t>(n) * 50);
  std::thread producers([&] {
    cohort::test::run_on_threads(n, [&](int t) {
      for (std::size_t i = static_cast<std::size_t>(t); i < b.promises.size(); i += static_cast<std::size_t>(n)) {
        b.promises[i].set_result(static_cast<int>(i));
      }
    });
  });
  std::vector<int> seen;
  for (auto& f : as_completed(b.futures)) seen.push_back(f.get());
  producers.join();
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), b.promises.size());
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<int>(i));
}

TEST_P(WhenThreads, WaitAllCompletedWithProducers) {
  const int n = threads();
  Batch b(static_cast<std::size_t>(n) * 50);
  std::latch go(1);
  std::thread producers([&] {
    go.wait();
    cohort::test::run_on_threads(n, [&](int t) {
      for (std::size_t i = static_cast<std::size_t>(t); i < b.promises.size(); i += static_cast<std::size_t>(n)) {
        if (i % 7 == 3) {
          b.promises[i].set_exception(boom());
        } else {
          b.promises[i].set_result(1);
        }
      }
    });
  });
  go.count_down();
  auto r = core::wait(b.futures, ReturnWhen::all_completed);
  producers.join();
  EXPECT_EQ(r.done.size(), b.futures.size());
  EXPECT_TRUE(r.not_done.empty());
}

COHORT_INSTANTIATE_THREAD_COUNTS(WhenThreads);

}  // namespace
