// map over fixed-size types, on both paths: columnar task arrays
// (ClusterOptions::array_batches, the default) and one record per task. Errors,
// retries, timeouts, cancellation and type mismatches must look the same to the
// caller whichever path ran them. np 1, 2, 3, 5 like the rest of mpi.cluster.
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>
#include <cohort/wire/array_batch.hpp>
#include <cohort/wire/registry.hpp>

#include <boost/serialization/string.hpp>

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
#include <tuple>
#include <vector>

namespace {

using cohort::cluster::ClusterExecutor;
using cohort::cluster::ClusterOptions;
using cohort::cluster::TaskPolicy;

enum class Colour : std::uint8_t { red = 1, green = 2, blue = 3 };

std::mutex g_seen_mutex;
std::set<std::uint64_t> g_seen;  // ids "arr_fail_once" has failed for, in this process

const cohort::wire::Registry& registry() {
  static const cohort::wire::Registry r = [] {
    cohort::wire::Registry reg;
    reg.add("arr_twice", [](std::uint64_t x) { return 2 * x; });
    reg.add("arr_fail_at", [](std::int32_t x) -> std::int32_t {
      if (x % 1000 == 234) throw std::out_of_range("bad input " + std::to_string(x));
      return x + 1;
    });
    reg.add("arr_fail_once", [](std::uint64_t id) {
      std::lock_guard lock(g_seen_mutex);
      if (g_seen.insert(id).second) throw std::runtime_error("first attempt of " + std::to_string(id));
      return id;
    });
    reg.add("arr_mix", [](std::int16_t a, double b, bool neg, Colour c) {
      const double v = (a + b) * static_cast<int>(c);
      return neg ? -v : v;
    });
    reg.add("arr_next", [](Colour c) { return c == Colour::blue ? Colour::red : static_cast<Colour>(static_cast<int>(c) + 1); });
    reg.add("arr_is_even", [](std::int64_t x) { return x % 2 == 0; });
    reg.add("arr_sink", [](std::int32_t) {});
    reg.add("arr_len", [](const std::string& s) { return static_cast<std::uint64_t>(s.size()); });
    reg.add("arr_text", [](int n) { return std::string(static_cast<std::size_t>(n), 'x'); });
    // The workload of the timeout test (a task that takes long), not a way to order events.
    reg.add("arr_nap_ms", [](int ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    });
    return reg;
  }();
  return r;
}

ClusterOptions options_for(bool arrays) {
  ClusterOptions o;
  o.array_batches = arrays;
  o.max_batch = 256;  // several arrays per worker even for a few thousand tasks
  return o;
}

class MapPaths : public testing::TestWithParam<bool> {};

TEST_P(MapPaths, ValuesOfEveryFixedTypeComeBackInOrder) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  std::vector<std::uint64_t> ids(20'000);
  std::iota(ids.begin(), ids.end(), std::uint64_t{1} << 40);
  const std::vector<std::uint64_t> twice = ex.map<std::uint64_t>("arr_twice", ids).get();
  ASSERT_EQ(twice.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(twice[i], 2 * ids[i]) << i;

  std::vector<std::tuple<std::int16_t, double, bool, Colour>> mixed;
  for (int i = 0; i < 700; ++i)
    mixed.emplace_back(static_cast<std::int16_t>(i - 300), i * 0.5, i % 3 == 0, static_cast<Colour>(1 + i % 3));
  const std::vector<double> got = ex.map<double>("arr_mix", mixed).get();
  ASSERT_EQ(got.size(), mixed.size());
  for (std::size_t i = 0; i < mixed.size(); ++i) {
    const auto& [a, b, neg, c] = mixed[i];
    const double v = (a + b) * static_cast<int>(c);
    ASSERT_EQ(got[i], neg ? -v : v) << i;
  }
  EXPECT_EQ(ex.map<Colour>("arr_next", std::vector<Colour>{Colour::red, Colour::blue}).get(),
            (std::vector<Colour>{Colour::green, Colour::red}));
  EXPECT_EQ(ex.map<bool>("arr_is_even", std::vector<std::int64_t>{3, 4, -6}).get(), (std::vector<bool>{false, true, true}));
  ex.map<void>("arr_sink", std::vector<std::int32_t>(5000, 1)).get();
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kOk);
}

TEST_P(MapPaths, TheFirstFailedInputWinsWithItsOwnTaskId) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  // A fresh executor numbers tasks from 0 in submission order: input i is task i.
  std::vector<std::int32_t> xs(5000);
  std::iota(xs.begin(), xs.end(), 0);
  try {
    ex.map<std::int32_t>("arr_fail_at", xs).get();
    ADD_FAILURE() << "expected a RemoteError";
  } catch (const cohort::RemoteError& e) {
    EXPECT_EQ(e.task_id(), 234u);
    EXPECT_EQ(e.type(), "std::out_of_range");
    EXPECT_EQ(e.message(), "bad input 234");
    EXPECT_GE(e.rank(), ex.size() == 1 ? 0 : 1);
    EXPECT_FALSE(e.host().empty());
  }
  // The runtime goes on, and inputs that do not fail still come back.
  const auto ok = ex.map<std::int32_t>("arr_fail_at", std::vector<std::int32_t>{1, 2, 3}).get();
  EXPECT_EQ(ok, (std::vector<std::int32_t>{2, 3, 4}));
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kTasksFailed);
}

TEST_P(MapPaths, RetriesRunFailedTasksOfABatchAgain) {
  {
    std::lock_guard lock(g_seen_mutex);
    g_seen.clear();
  }
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  std::vector<std::uint64_t> ids(3000);
  std::iota(ids.begin(), ids.end(), std::uint64_t{500});
  TaskPolicy retry;
  retry.max_retries = ex.workers();  // each worker fails an id at most once
  EXPECT_EQ(ex.map<std::uint64_t>("arr_fail_once", ids, retry).get(), ids);
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), cohort::cluster::exit_code::kOk);
}

TEST_P(MapPaths, ABatchPastItsTimeoutResolvesWithTimeoutError) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  TaskPolicy quick;
  quick.timeout = std::chrono::milliseconds(50);
  try {
    ex.map<int>("arr_nap_ms", std::vector<int>{1, 1500, 1}, quick).get();
    ADD_FAILURE() << "expected a TimeoutError";
  } catch (const cohort::TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("arr_nap_ms"), std::string::npos) << e.what();
  }
  // The late results are ignored; the runtime goes on.
  EXPECT_EQ(ex.map<std::uint64_t>("arr_twice", std::vector<std::uint64_t>{21}).get(), std::vector<std::uint64_t>{42});
  ex.shutdown();
}

TEST_P(MapPaths, ShutdownCancelsAMapStillQueued) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  std::vector<std::uint64_t> ids(300'000);
  std::iota(ids.begin(), ids.end(), std::uint64_t{0});
  auto f = ex.map<std::uint64_t>("arr_twice", ids);
  ex.shutdown(true, true);
  ASSERT_TRUE(f.done());
  // Credits keep all but a few batches of 300k tasks queued at rank 0.
  EXPECT_TRUE(f.cancelled());
}

TEST_P(MapPaths, TypesThatDisagreeAreErrorsNotCrashes) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  // Arguments of the wrong size: the worker cannot decode them.
  EXPECT_THROW(ex.map<std::uint64_t>("arr_twice", std::vector<std::int32_t>{1, 2}).get(), cohort::Error);
  // A result of the wrong size.
  try {
    ex.map<std::int32_t>("arr_twice", std::vector<std::uint64_t>{1, 2}).get();
    ADD_FAILURE() << "expected an error";
  } catch (const cohort::Error& e) {
    EXPECT_NE(std::string(e.what()).find("result"), std::string::npos) << e.what();
  }
  try {
    ex.map<int>("arr_no_such_task", std::vector<int>{1, 2}).get();
    ADD_FAILURE() << "expected an error";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::unknown_task);
  }
  EXPECT_EQ(ex.map<std::uint64_t>("arr_twice", std::vector<std::uint64_t>{4}).get(), std::vector<std::uint64_t>{8});
}

TEST_P(MapPaths, OtherTypesTravelAsRecords) {
  ClusterExecutor ex(registry(), options_for(GetParam()));
  if (!ex.is_root()) {
    ex.serve();
    return;
  }
  EXPECT_EQ(ex.map<std::uint64_t>("arr_len", std::vector<std::string>{"", "ab", "xyz"}).get(),
            (std::vector<std::uint64_t>{0, 2, 3}));
  EXPECT_EQ(ex.map<std::string>("arr_text", std::vector<int>{2, 0}).get(), (std::vector<std::string>{"xx", ""}));
}

INSTANTIATE_TEST_SUITE_P(Cluster, MapPaths, testing::Values(true, false),
                         [](const testing::TestParamInfo<bool>& p) { return p.param ? "Arrays" : "Records"; });

TEST(ClusterArrays, ForgedResultArraysAreReportedAndDropped) {
  ClusterExecutor ex(registry(), options_for(true));
  if (!ex.is_root()) {
    // Answers to a task array rank 0 never sent.
    const std::vector<std::byte> tasks = cohort::wire::encode_task_array(999'999, 7, 0, "arr_twice", 1, 8, 8,
                                                                         std::vector<std::byte>(8));
    cohort::wire::ArrayResultWriter forged(cohort::wire::TaskArray::decode(tasks, 0));
    ex.send_raw(0, forged.finish());
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kProtocolError);
    return;
  }
  // A task array that does not decode, sent to each worker.
  auto bad = cohort::wire::encode_task_array(5, 0, 0, "arr_twice", 2, 8, 8, std::vector<std::byte>(16));
  bad[cohort::wire::kHeaderSize + 8] = std::byte{3};  // count 3: the argument bytes no longer match
  for (int w = 1; w < ex.size(); ++w) ex.send_raw(w, bad);
  EXPECT_EQ(ex.map<std::uint64_t>("arr_twice", std::vector<std::uint64_t>{1, 2}).get(),
            (std::vector<std::uint64_t>{2, 4}));
  const auto count = [&ex](std::size_t& forged, std::size_t& reported) {
    forged = reported = 0;
    const auto errors = ex.protocol_errors();
    for (const auto& e : errors) {
      if (e.find("results for task array 999999") != std::string::npos) ++forged;
      if (e.find("task array 5") != std::string::npos && e.find("from rank 0") != std::string::npos) ++reported;
    }
    return errors;
  };
  // A worker queues its forged answer as it starts; on an oversubscribed node
  // that can be later than the map above, and a stop would then overtake it.
  // Wait (bounded) until every worker's forged answer and report are in.
  const auto workers = static_cast<std::size_t>(ex.size() - 1);
  std::size_t forged = 0, reported = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (count(forged, reported); (forged < workers || reported < workers) && std::chrono::steady_clock::now() < until;
       count(forged, reported)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a condition, not ordering events
  }
  ex.shutdown();
  const auto errors = count(forged, reported);
  EXPECT_EQ(forged, static_cast<std::size_t>(ex.size() - 1)) << testing::PrintToString(errors);
  EXPECT_EQ(reported, static_cast<std::size_t>(ex.size() - 1)) << testing::PrintToString(errors);
}

}  // namespace
