#include <cohort/observe/recorder.hpp>

#include "synthetic_run.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace cohort::observe;
using test::kMs;

namespace {

Recording record(Recorder::Options o = {}) {
  Recorder rec(o);
  // The recorder's origin is its own now_ns(); feed relative to a base that
  // is certainly after it, and compare differences.
  test::feed_synthetic_run(rec, 1'000'000 * kMs);
  return rec.finish();
}

const TaskSpan& find(const Recording& r, std::uint64_t id, std::uint32_t attempt) {
  for (const TaskSpan& t : r.tasks)
    if (t.id == id && t.attempt == attempt) return t;
  throw std::runtime_error("no span");
}

}  // namespace

TEST(Recorder, KeepsOneSpanPerAttemptWithNamesThreadsAndOutcomes) {
  const Recording r = record();
  EXPECT_EQ(r.queued, 6u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.retries, 1u);
  EXPECT_EQ(r.dropped_events, 0u);
  ASSERT_EQ(r.tasks.size(), 7u);
  ASSERT_EQ(r.names.size(), 2u);
  const TaskSpan& t5 = find(r, 5, 0);
  EXPECT_EQ(r.names[t5.name], "cube");
  EXPECT_EQ(t5.rank, 1);
  EXPECT_EQ(t5.thread, 0);
  EXPECT_EQ(t5.batch, 1u);
  EXPECT_EQ(t5.bytes_in, 10u);
  EXPECT_EQ(t5.bytes_out, 7u);
  EXPECT_EQ(t5.outcome, TaskSpan::Outcome::ok);
  EXPECT_EQ(find(r, 4, 0).outcome, TaskSpan::Outcome::retried);
  EXPECT_EQ(r.errors.at(static_cast<std::size_t>(&find(r, 4, 0) - r.tasks.data())), "std::runtime_error: boom");
  EXPECT_EQ(r.errors.size(), 2u);  // the retried attempt and the failed task
  EXPECT_EQ(find(r, 4, 1).outcome, TaskSpan::Outcome::ok);
  EXPECT_EQ(find(r, 4, 1).thread, 1);
  EXPECT_EQ(find(r, 6, 0).outcome, TaskSpan::Outcome::failed);
  EXPECT_EQ(r.world_size, 3);
  ASSERT_EQ(r.workers.size(), 2u);
  EXPECT_EQ(r.workers.at(2).host, "beta");
  EXPECT_EQ(r.workers.at(2).threads, 2u);
  EXPECT_EQ(r.workers.at(1).tasks, 4u);  // 1, 2, 5 and the retry of 4
  EXPECT_EQ(r.workers.at(2).tasks, 3u);
}

TEST(Recorder, MovesWorkerTimesOntoRankZerosClock) {
  const Recording r = record();
  // Task k ran from 4 + k ms on rank 0's clock, whatever its worker's clock said.
  for (std::uint64_t id = 1; id <= 6; ++id) {
    const TaskSpan& t = find(r, id, 0);
    const TaskSpan& t1 = find(r, 1, 0);
    EXPECT_EQ(t.start_ns - t1.start_ns, static_cast<std::int64_t>(id - 1) * kMs) << "task " << id;
    EXPECT_EQ(t.end_ns - t.start_ns, 10 * kMs);
    EXPECT_EQ(t.start_ns - t.dispatch_ns, (1 + static_cast<std::int64_t>(id)) * kMs) << "task " << id;
  }
  EXPECT_EQ(r.workers.at(2).clock_offset_ns, test::kRank2Ahead);
  ASSERT_EQ(r.phases.size(), 1u);
  EXPECT_EQ(r.phases[0].end_ns - r.phases[0].begin_ns, 45 * kMs);
  EXPECT_GE(r.end_ns, 0);
}

TEST(Recorder, WithoutTasksKeepsOnlyCounts) {
  const Recording r = record({.keep_tasks = false, .keep_batches = false});
  EXPECT_TRUE(r.tasks.empty());
  EXPECT_TRUE(r.batches.empty());
  EXPECT_TRUE(r.counters.empty());
  EXPECT_EQ(r.queued, 6u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.workers.at(1).tasks, 4u);
}

TEST(Recorder, EventsFromSeveralThreadsAreAllCounted) {
  Recorder rec;
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&rec, t] {
      for (int i = 0; i < kEach; ++i) {
        Event e;
        e.kind = EventKind::task_dispatched;
        e.id = static_cast<std::uint64_t>(t * kEach + i);
        e.name = t % 2 ? "odd" : "even";
        e.peer = 1;
        rec.on_event(e);
      }
    });
  for (auto& th : threads) th.join();
  const Recording r = rec.finish();
  EXPECT_EQ(r.tasks.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(r.names.size(), 2u);
}

TEST(Recorder, EventsAfterFinishAreIgnored) {
  Recorder rec;
  const Recording r = rec.finish();
  Event e;
  e.kind = EventKind::tasks_queued;
  e.count = 3;
  rec.on_event(e);  // no crash, no effect
  EXPECT_EQ(r.queued, 0u);
}
