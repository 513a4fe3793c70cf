// ClusterExecutor under mpirun (np 1, 2, 3, 5): every rank runs each test;
// rank 0 submits and checks, the others serve. One executor per test.
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>
#include <cohort/core/when.hpp>
#include <cohort/wire/registry.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using cohort::cluster::ClusterExecutor;
using cohort::cluster::ClusterOptions;
using cohort::cluster::TaskPolicy;

std::atomic<std::uint64_t> g_ran{0};  // tasks "count" ran in this process
std::atomic<int> g_state{0};          // set by "set_state" (broadcast)
std::mutex g_seen_mutex;
std::set<std::uint64_t> g_seen;       // ids "fail_once" has failed for, in this process

const cohort::wire::Registry& registry() {
  static const cohort::wire::Registry r = [] {
    cohort::wire::Registry reg;
    reg.add("square", [](std::int64_t x) { return x * x; });
    reg.add("count", [](std::uint64_t id) {
      g_ran.fetch_add(1, std::memory_order_relaxed);
      return id;
    });
    reg.add("ran", [] { return g_ran.exchange(0); });
    reg.add("add", [](int a, int b) { return a + b; });
    reg.add("fail", [](int x) -> int { throw std::out_of_range("index " + std::to_string(x) + " past the end"); });
    // Throws the first time this process sees `id`: with max_retries >= the
    // number of workers, some attempt must succeed.
    reg.add("fail_once", [](std::uint64_t id) {
      std::lock_guard lock(g_seen_mutex);
      if (g_seen.insert(id).second) throw std::runtime_error("first attempt of " + std::to_string(id));
      return id;
    });
    // A task that takes long: the workload of the timeout test, not a way to
    // order events.
    reg.add("nap_ms", [](int ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    });
    reg.add("set_state", [](int v) { g_state.store(v); });
    reg.add("get_state", [] { return g_state.load(); });
    return reg;
  }();
  return r;
}

TEST(Cluster, HundredThousandTasksRunExactlyOnceWithTheRightResult) {
  constexpr std::uint64_t kTasks = 100'000;
  g_ran = 0;
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  std::vector<std::uint64_t> ids(kTasks);
  std::iota(ids.begin(), ids.end(), std::uint64_t{0});
  std::vector<std::uint64_t> out = ex.map<std::uint64_t>("count", ids).get();
  EXPECT_EQ(out, ids);  // every result, in input order
  // Tasks each worker ran, in rank order: together exactly kTasks (a task lost
  // or run twice would show; a retry does not happen without max_retries).
  std::vector<std::uint64_t> per_worker = ex.call_on_workers<std::uint64_t>("ran").get();
  ASSERT_EQ(per_worker.size(), static_cast<std::size_t>(ex.workers()));
  EXPECT_EQ(std::accumulate(per_worker.begin(), per_worker.end(), std::uint64_t{0}), kTasks);
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kOk);
}

TEST(Cluster, SubmitMapAndAsCompleted) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  EXPECT_EQ(ex.submit<int>("add", 2, 40).get(), 42);
  EXPECT_EQ(ex.submit<std::int64_t>("square", std::int64_t{-9}).get(), 81);
  std::vector<std::int64_t> xs{1, 2, 3, 4, 5};
  EXPECT_EQ(ex.map<std::int64_t>("square", xs).get(), (std::vector<std::int64_t>{1, 4, 9, 16, 25}));
  EXPECT_TRUE(ex.map<std::int64_t>("square", std::vector<std::int64_t>{}).get().empty());
  std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}};
  EXPECT_EQ(ex.map<int>("add", pairs).get(), (std::vector<int>{3, 7}));

  std::vector<std::int64_t> many(1000);
  std::iota(many.begin(), many.end(), 0);
  std::vector<cohort::core::Future<std::int64_t>> fs = ex.map_unordered<std::int64_t>("square", many);
  std::int64_t sum = 0;
  std::size_t seen = 0;
  for (auto& f : cohort::core::as_completed(fs)) {
    sum += f.get();
    ++seen;
  }
  EXPECT_EQ(seen, many.size());
  std::int64_t expected = 0;
  for (std::int64_t x : many) expected += x * x;
  EXPECT_EQ(sum, expected);
}

TEST(Cluster, ATaskThatThrowsResolvesWithRemoteError) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  auto f = ex.submit<int>("fail", 7);
  try {
    f.get();
    ADD_FAILURE() << "expected a RemoteError";
  } catch (const cohort::RemoteError& e) {
    EXPECT_EQ(e.type(), "std::out_of_range");
    EXPECT_EQ(e.message(), "index 7 past the end");
    EXPECT_EQ(e.rank(), ex.size() == 1 ? 0 : e.rank());
    EXPECT_GE(e.rank(), ex.size() == 1 ? 0 : 1);
    EXPECT_FALSE(e.host().empty());
    EXPECT_NE(std::string(e.what()).find("task " + std::to_string(e.task_id())), std::string::npos) << e.what();
  }
  // In a map, the first failed input (by position) wins.
  auto m = ex.map<int>("fail", std::vector<int>{3, 4, 5});
  try {
    m.get();
    ADD_FAILURE() << "expected a RemoteError";
  } catch (const cohort::RemoteError& e) {
    EXPECT_EQ(e.message(), "index 3 past the end");
  }
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kTasksFailed);
}

TEST(Cluster, AnUnknownTaskIsAnErrorNotADeadRank) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  auto f = ex.submit<int>("no_such_task", 1);
  try {
    f.get();
    ADD_FAILURE() << "expected an error";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::unknown_task);
    EXPECT_NE(std::string(e.what()).find("no_such_task"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ex.submit<int>("add", 1, 1).get(), 2);  // the worker is still there
}

TEST(Cluster, RetriesRunAFailedTaskAgain) {
  {
    std::lock_guard lock(g_seen_mutex);
    g_seen.clear();
  }
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  std::vector<std::uint64_t> ids(200);
  std::iota(ids.begin(), ids.end(), std::uint64_t{1000});
  TaskPolicy retry;
  retry.max_retries = ex.workers();  // each worker fails an id at most once
  EXPECT_EQ(ex.map<std::uint64_t>("fail_once", ids, retry).get(), ids);
  // Without retries the first failure is the answer.
  EXPECT_THROW(ex.submit<std::uint64_t>("fail_once", std::uint64_t{99'999}).get(), cohort::RemoteError);
}

TEST(Cluster, ATaskPastItsTimeoutResolvesWithTimeoutError) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  TaskPolicy quick;
  quick.timeout = std::chrono::milliseconds(50);
  auto slow = ex.submit_with<int>(quick, "nap_ms", 1500);
  try {
    slow.get();
    ADD_FAILURE() << "expected a TimeoutError";
  } catch (const cohort::TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("nap_ms"), std::string::npos) << e.what();
  }
  // The runtime goes on; the late result is ignored.
  EXPECT_EQ(ex.submit<int>("add", 20, 22).get(), 42);
  ex.shutdown();
}

TEST(Cluster, ShutdownWithTasksPendingCancelsThemAndEndsCleanly) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  std::vector<std::int64_t> xs(20'000);
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = ex.map_unordered<std::int64_t>("square", xs);
  ex.shutdown(true, true);
  std::size_t cancelled = 0, ran = 0;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    ASSERT_TRUE(fs[i].done()) << "future " << i << " still pending after shutdown";
    if (fs[i].cancelled()) {
      ++cancelled;
    } else {
      EXPECT_EQ(fs[i].get(), xs[i] * xs[i]);
      ++ran;
    }
  }
  EXPECT_EQ(cancelled + ran, xs.size());
  EXPECT_GT(cancelled, 0u);  // credits keep most of 20k tasks queued at rank 0
  EXPECT_THROW((void)ex.submit<int>("add", 1, 2), cohort::Error);
}

TEST(Cluster, ShutdownWithoutWaitingStillRunsWhatWasSubmitted) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  std::vector<std::int64_t> xs(5000);
  std::iota(xs.begin(), xs.end(), 0);
  auto squares = ex.map<std::int64_t>("square", xs);
  ex.shutdown(false);  // returns at once; queued work still runs (no cancel_pending)
  EXPECT_THROW((void)ex.submit<int>("add", 1, 2), cohort::Error);
  const std::vector<std::int64_t> got = squares.get();
  ASSERT_EQ(got.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(got[i], xs[i] * xs[i]) << "input " << i;
  EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);  // now waits for the runtime to go down
}

TEST(Cluster, CallOnWorkersBroadcastsStateAndCallOnTargetsARank) {
  g_state = 0;
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  ex.call_on_workers<void>("set_state", 17).get();
  std::vector<int> states = ex.call_on_workers<int>("get_state").get();
  EXPECT_EQ(states, std::vector<int>(static_cast<std::size_t>(ex.workers()), 17));
  const int last = ex.size() - 1;
  EXPECT_EQ(ex.call_on<int>(last, "add", last, 100).get(), last + 100);
  EXPECT_THROW(ex.call_on<int>(ex.size() + 3, "add", 1, 1).get(), cohort::Error);
}

TEST(Cluster, GarbageBytesAreReportedNamingTheSenderAndTheRunEndsCleanly) {
  const std::vector<std::byte> garbage{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef},
                                       std::byte{1},    std::byte{2},    std::byte{3}};
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.send_raw(0, garbage);
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kProtocolError);
    auto errors = ex.protocol_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("from rank 0"), std::string::npos) << errors[0];
    return;
  }
  for (int w = 1; w < ex.size(); ++w) ex.send_raw(w, garbage);
  if (ex.size() == 1) ex.send_raw(0, garbage);
  EXPECT_EQ(ex.map<std::int64_t>("square", std::vector<std::int64_t>{1, 2, 3}).get(),
            (std::vector<std::int64_t>{1, 4, 9}));
  // Rank 0 saw each worker's garbage, and each worker's report of rank 0's.
  const std::size_t expected = ex.size() == 1 ? 1 : 2 * static_cast<std::size_t>(ex.size() - 1);
  // A worker queues its garbage as it starts; on an oversubscribed node that
  // can come after the map above, and a stop would then overtake it. Wait
  // (bounded) until everything expected is in.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ex.protocol_errors().size() < expected && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a condition, not ordering events
  }
  ex.shutdown();
  const auto errors = ex.protocol_errors();
  EXPECT_EQ(errors.size(), expected);
  for (int w = 1; w < ex.size(); ++w) {
    const std::string from = "malformed message from rank " + std::to_string(w);
    const std::string report = "rank " + std::to_string(w) + " (";
    std::size_t direct = 0, reported = 0;
    for (const auto& e : errors) {
      if (e.starts_with(from)) ++direct;
      if (e.starts_with(report) && e.find("from rank 0") != std::string::npos) ++reported;
    }
    EXPECT_EQ(direct, 1u) << "garbage from rank " << w;
    EXPECT_EQ(reported, 1u) << "report of rank " << w;
  }
  if (ex.size() == 1) {
    EXPECT_NE(errors[0].find("from rank 0"), std::string::npos) << errors[0];
  }
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kProtocolError);
}

}  // namespace
