#include <cohort/core/error.hpp>
#include <cohort/observe/trace.hpp>

#include "synthetic_run.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace cohort::observe;
using nlohmann::json;

namespace {

Recording synthetic() {
  Recorder rec;
  test::feed_synthetic_run(rec, now_ns() + test::kMs);
  Recording r = rec.finish();
  r.job = "demo \"quoted\"";
  return r;
}

json parse(const Recording& r) { return json::parse(trace_json(r)); }

}  // namespace

TEST(Trace, IsChromeTraceJsonWithNamedProcessesAndThreads) {
  const json t = parse(synthetic());
  ASSERT_TRUE(t.contains("traceEvents"));
  EXPECT_EQ(t["otherData"]["job"], "demo \"quoted\"");
  std::map<int, std::string> processes;
  std::map<std::pair<int, int>, std::string> threads;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "M") continue;
    if (e["name"] == "process_name") processes[e["pid"]] = e["args"]["name"];
    if (e["name"] == "thread_name") threads[{e["pid"], e["tid"]}] = e["args"]["name"];
  }
  EXPECT_EQ(processes[0], "rank 0 (scheduler)");
  EXPECT_EQ(processes[1], "rank 1 (worker@alpha)");
  EXPECT_EQ(processes[2], "rank 2 (worker@beta)");
  for (int rank : {0, 1, 2}) EXPECT_EQ((threads[{rank, 0}]), "loop thread");
  for (int rank : {1, 2}) {
    EXPECT_EQ((threads[{rank, 1}]), "pool thread 0");
    EXPECT_EQ((threads[{rank, 2}]), "pool thread 1");
  }
  EXPECT_EQ((threads[{0, 10000}]), "phases");
}

TEST(Trace, OneCompleteEventPerTaskAttemptOnItsPoolThread) {
  const json t = parse(synthetic());
  std::set<std::pair<int, int>> rows;
  int tasks = 0;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X" || e["cat"] != "task") continue;
    ++tasks;
    rows.insert({e["pid"].get<int>(), e["tid"].get<int>()});
    EXPECT_GE(e["ts"].get<double>(), 0);
    EXPECT_NEAR(e["dur"].get<double>(), 10'000, 0.01);  // 10 ms in us
    EXPECT_TRUE(e["args"].contains("id"));
    EXPECT_TRUE(e["args"].contains("attempt"));
    EXPECT_EQ(e["args"]["bytes_in"], 10);
    EXPECT_EQ(e["args"]["bytes_out"], 7);
    if (e["args"]["id"] == 6) {
      EXPECT_EQ(e["args"]["outcome"], "failed");
      EXPECT_EQ(e["args"]["error"], "std::runtime_error: boom");
      EXPECT_EQ(e["name"], "cube");
    }
  }
  EXPECT_EQ(tasks, 7);
  EXPECT_EQ(rows, (std::set<std::pair<int, int>>{{1, 1}, {1, 2}, {2, 1}, {2, 2}}));
}

TEST(Trace, FlowArrowsGoFromDispatchToTheBatchsFirstTask) {
  const json t = parse(synthetic());
  std::map<std::uint64_t, json> starts, finishes;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] == "s") starts[e["id"]] = e;
    if (e["ph"] == "f") finishes[e["id"]] = e;
  }
  ASSERT_EQ(starts.size(), 2u);
  ASSERT_EQ(finishes.size(), 2u);
  for (std::uint64_t batch : {1u, 2u}) {
    EXPECT_EQ(starts[batch]["pid"], 0);
    EXPECT_EQ(finishes[batch]["pid"], static_cast<int>(batch));
    EXPECT_EQ(finishes[batch]["bp"], "e");
    EXPECT_LT(starts[batch]["ts"].get<double>(), finishes[batch]["ts"].get<double>());
  }
  // Batch 1's first task is task 1 (rank 1, pool thread 0 -> tid 1).
  EXPECT_EQ(finishes[1]["tid"], 1);
}

TEST(Trace, CountersAndPhases) {
  const json t = parse(synthetic());
  std::set<std::string> counters;
  int phases = 0;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] == "C") {
      counters.insert(e["name"]);
      EXPECT_EQ(e["pid"], 0);
    }
    if (e["ph"] == "X" && e["cat"] == "phase") {
      ++phases;
      EXPECT_EQ(e["name"], "map");
    }
  }
  EXPECT_EQ(counters, (std::set<std::string>{"tasks queued", "tasks in flight"}));
  EXPECT_EQ(phases, 1);
}

TEST(Trace, AnEmptyRecordingIsStillValid) {
  Recorder rec;
  const json t = parse(rec.finish());
  int processes = 0;
  for (const auto& e : t["traceEvents"]) processes += e["name"] == "process_name";
  EXPECT_EQ(processes, 1);
}

TEST(Trace, WriteTraceReplacesTheFileWhole) {
  const auto dir = std::filesystem::temp_directory_path() / ("cohort-trace-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "t.json";
  { std::ofstream(path) << "old"; }
  write_trace(synthetic(), path);
  std::ifstream in(path);
  EXPECT_TRUE(json::accept(in));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 1);
  EXPECT_THROW(write_trace(synthetic(), dir / "no" / "such" / "t.json"), cohort::Error);
  std::filesystem::remove_all(dir);
}
