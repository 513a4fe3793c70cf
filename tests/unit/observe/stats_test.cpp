#include <cohort/observe/stats.hpp>

#include "synthetic_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace cohort::observe;

namespace {
RunStats synthetic() {
  Recorder rec;
  test::feed_synthetic_run(rec, now_ns() + test::kMs);
  Recording r = rec.finish();
  r.job = "demo";
  return compute_stats(r);
}
}  // namespace

TEST(Stats, CountsTasksOutcomesAndWorkers) {
  const RunStats s = synthetic();
  EXPECT_EQ(s.job, "demo");
  EXPECT_EQ(s.ranks, 3);
  EXPECT_EQ(s.workers, 2);
  EXPECT_EQ(s.threads, 4u);
  EXPECT_EQ(s.tasks, 6u);
  EXPECT_EQ(s.succeeded, 5u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.retries, 1u);
  EXPECT_EQ(s.batches, 2u);
  EXPECT_EQ(s.bytes_in, 70u);
  EXPECT_EQ(s.bytes_out, 49u);
  EXPECT_TRUE(s.timed);
  EXPECT_NEAR(s.task_p50, 0.010, 1e-9);
  EXPECT_NEAR(s.task_max, 0.010, 1e-9);
  ASSERT_EQ(s.per_rank.size(), 2u);
  EXPECT_EQ(s.per_rank[0].rank, 1);
  EXPECT_NEAR(s.per_rank[0].busy_seconds, 0.040, 1e-9);
  EXPECT_GT(s.per_rank[0].utilization, 0);
  EXPECT_LE(s.per_rank[0].utilization, 1);
  ASSERT_EQ(s.phases.size(), 1u);
  EXPECT_NEAR(s.phases[0].seconds, 0.045, 1e-9);
}

TEST(Stats, SummaryAndJsonSayTheSame) {
  const RunStats s = synthetic();
  const std::string text = format_summary(s);
  EXPECT_NE(text.find("cohort: demo: 6 task(s) on 2 worker(s) x 2 thread(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 failed, 1 retried"), std::string::npos) << text;
  EXPECT_NE(text.find("phases map"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(stats_json(s));
  EXPECT_EQ(j["tasks"], 6);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["retries"], 1);
  EXPECT_EQ(j["succeeded"], 5);
  EXPECT_EQ(j["per_rank"].size(), 2u);
  EXPECT_EQ(j["per_rank"][1]["host"], "beta");
  EXPECT_EQ(j["per_rank"][1]["clock_offset_ns"], test::kRank2Ahead);
  EXPECT_NEAR(j["task_seconds"]["p50"].get<double>(), 0.010, 1e-9);
}

TEST(Stats, AnEmptyRunHasZerosNotNaNs) {
  Recorder rec;
  const RunStats s = compute_stats(rec.finish());
  EXPECT_EQ(s.tasks, 0u);
  EXPECT_FALSE(s.timed);
  const auto j = nlohmann::json::parse(stats_json(s));
  EXPECT_EQ(j["throughput"], 0.0);
  EXPECT_NE(format_summary(s).find("0 task(s)"), std::string::npos);
}
