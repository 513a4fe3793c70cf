// The runtime's events, end to end under mpirun: a Recorder on rank 0 sees
// every task once per attempt, on the pool thread that ran it, with worker
// clocks aligned; the trace and the report built from it say the same.
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/observe/event.hpp>
#include <cohort/observe/recorder.hpp>
#include <cohort/observe/report.hpp>
#include <cohort/observe/stats.hpp>
#include <cohort/observe/trace.hpp>
#include <cohort/wire/registry.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <set>
#include <stdexcept>

using namespace cohort;
using observe::EventKind;

namespace {

const wire::Registry& registry() {
  static const wire::Registry r = [] {
    wire::Registry reg;
    reg.add("square", [](std::uint64_t x) { return x * x; });
    reg.add("boom", [](std::uint64_t) -> std::uint64_t { throw std::runtime_error("boom"); });
    return reg;
  }();
  return r;
}

/// Counts events by kind (next to the Recorder), to check each is emitted once.
class Counter final : public observe::Observer {
 public:
  void on_event(const observe::Event& e) override { ++counts_[static_cast<int>(e.kind)]; }
  std::uint64_t operator[](EventKind k) const { return counts_[static_cast<int>(k)].load(); }

 private:
  std::atomic<std::uint64_t> counts_[observe::kEventKinds]{};
};

constexpr std::uint64_t kTasks = 3000;
constexpr int kThreads = 2;

}  // namespace

TEST(Observe, EveryTaskOncePerAttemptOnItsPoolThread) {
  observe::Recorder recorder;
  Counter counter;
  observe::Fanout fanout;
  fanout.add(recorder);
  fanout.add(counter);
  cluster::ClusterOptions o;
  o.threads = kThreads;
  o.record_task_times = true;
  o.collect_worker_events = true;
  o.observer = &fanout;
  o.max_batch = 64;  // many batches, so every worker and thread gets some
  cluster::ClusterExecutor ex(registry(), o);
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), 0);
    return;
  }
  std::vector<std::uint64_t> in(kTasks);
  for (std::uint64_t i = 0; i < kTasks; ++i) in[i] = i;
  auto squares = ex.map<std::uint64_t>("square", in);
  auto failing = ex.submit_with<std::uint64_t>(cluster::TaskPolicy{.max_retries = 2}, "boom", std::uint64_t{1});
  EXPECT_EQ(squares.get().size(), kTasks);
  EXPECT_THROW(failing.get(), RemoteError);
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), 1);  // the failed task

  observe::Recording r = recorder.finish();
  const int workers = ex.workers();
  const std::uint64_t attempts = kTasks + 3;
  EXPECT_EQ(r.queued, kTasks + 1);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.retries, 2u);
  EXPECT_EQ(r.dropped_events, 0u);
  ASSERT_EQ(r.tasks.size(), attempts);
  EXPECT_EQ(counter[EventKind::task_dispatched], attempts);
  EXPECT_EQ(counter[EventKind::task_finished] + counter[EventKind::task_failed] + counter[EventKind::task_retried],
            attempts);
  EXPECT_EQ(counter[EventKind::task_started], attempts);  // the workers' own records, one per attempt
  EXPECT_EQ(counter[EventKind::worker_joined], static_cast<std::uint64_t>(workers));
  EXPECT_EQ(counter[EventKind::worker_stopped], static_cast<std::uint64_t>(workers));
  EXPECT_EQ(counter[EventKind::clock_offset], static_cast<std::uint64_t>(workers));
  EXPECT_GT(counter[EventKind::counters], 0u);
  EXPECT_GE(counter[EventKind::result_batch_sent], counter[EventKind::task_batch_received]);
  EXPECT_EQ(counter[EventKind::task_batch_received], counter[EventKind::task_batch_sent]);

  // Every attempt: a known worker, a pool thread of it, times on rank 0's clock.
  std::set<std::pair<int, int>> threads;
  std::uint64_t started_on_time = 0;
  for (const observe::TaskSpan& t : r.tasks) {
    ASSERT_TRUE(r.workers.count(t.rank)) << "task " << t.id;
    EXPECT_GE(t.thread, 0) << "task " << t.id;
    EXPECT_LT(t.thread, kThreads) << "task " << t.id;
    threads.insert({t.rank, t.thread});
    ASSERT_GE(t.start_ns, 0) << "task " << t.id;
    EXPECT_LE(t.start_ns, t.end_ns);
    EXPECT_GE(t.result_ns, 0);
    // Sent before it ran, ran before its result came back: within the clock error.
    const std::int64_t slack = r.workers.at(t.rank).clock_rtt_ns;
    started_on_time += t.dispatch_ns <= t.start_ns + slack && t.end_ns <= t.result_ns + slack;
  }
  EXPECT_EQ(started_on_time, attempts);
  std::map<std::uint32_t, int> outcomes;  // of "boom", by attempt
  for (const observe::TaskSpan& t : r.tasks)
    if (r.names[t.name] == "boom") outcomes[t.attempt] = static_cast<int>(t.outcome);
  EXPECT_EQ(outcomes, (std::map<std::uint32_t, int>{{0, 3}, {1, 3}, {2, 2}}));  // retried, retried, failed

  // Worker clocks: on one host the steady clock is shared, so the estimate is
  // within half the best round trip of zero.
  for (const auto& [rank, w] : r.workers) {
    EXPECT_EQ(w.threads, static_cast<std::uint32_t>(kThreads));
    ASSERT_GE(w.clock_rtt_ns, 0) << "rank " << rank;
    EXPECT_LE(std::abs(w.clock_offset_ns), w.clock_rtt_ns / 2 + 1) << "rank " << rank;
  }

  // The trace: one process per rank, the task count of the run.
  const auto trace = nlohmann::json::parse(observe::trace_json(r));
  std::set<int> processes;
  std::uint64_t x = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") processes.insert(e["pid"].get<int>());
    if (e["ph"] == "X" && e["cat"] == "task") ++x;
  }
  EXPECT_EQ(static_cast<int>(processes.size()), ex.size());
  EXPECT_EQ(x, attempts);
  const observe::RunStats s = observe::compute_stats(r);
  EXPECT_EQ(s.tasks, kTasks + 1);
  EXPECT_EQ(s.succeeded, kTasks);
  EXPECT_EQ(s.workers, workers);
}

TEST(Observe, WithoutAnObserverNothingIsEmittedAndTheRunIsTheSame) {
  cluster::ClusterOptions o;
  o.threads = kThreads;
  cluster::ClusterExecutor ex(registry(), o);
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), 0);
    return;
  }
  std::vector<std::uint64_t> in(100, 3);
  EXPECT_EQ(ex.map<std::uint64_t>("square", in).get(), std::vector<std::uint64_t>(100, 9));
  ex.shutdown();
  EXPECT_EQ(ex.exit_code(), 0);
}
