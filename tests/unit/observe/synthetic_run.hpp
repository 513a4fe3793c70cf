#pragma once
// A made-up run fed to an Observer the way the runtime would: two workers
// (ranks 1 and 2, two pool threads each, rank 2's clock 5 ms ahead), six tasks
// of two names in two batches, one retried once, one failed for good.

#include <cohort/observe/event.hpp>

#include <cstdint>

namespace cohort::observe::test {

inline constexpr std::int64_t kMs = 1'000'000;
inline constexpr std::int64_t kRank2Ahead = 5 * kMs;

/// `t0`: rank 0's clock at the start (e.g. the Recorder's origin).
inline void feed_synthetic_run(Observer& o, std::int64_t t0) {
  auto ev = [&](EventKind k) {
    Event e;
    e.kind = k;
    return e;
  };
  Event e = ev(EventKind::worker_joined);
  e.peer = 1, e.count = 2, e.name = "alpha", e.time_ns = t0 + 1 * kMs;
  o.on_event(e);
  e.peer = 2, e.name = "beta";
  o.on_event(e);
  e = ev(EventKind::clock_offset);
  e.peer = 1, e.value = 0, e.count = 20'000, e.time_ns = t0 + 1 * kMs;
  o.on_event(e);
  e.peer = 2, e.value = kRank2Ahead;
  o.on_event(e);
  e = ev(EventKind::phase_begin);
  e.name = "map", e.time_ns = t0 + 1 * kMs;
  o.on_event(e);
  e = ev(EventKind::tasks_queued);
  e.id = 1, e.count = 4, e.name = "square", e.time_ns = t0 + 2 * kMs;
  o.on_event(e);
  e.id = 5, e.count = 2, e.name = "cube";
  o.on_event(e);
  // batch 1 -> rank 1: tasks 1, 2, 5; batch 2 -> rank 2: tasks 3, 4, 6
  struct Plan { std::uint64_t id; const char* name; int rank; std::uint64_t batch; int thread; };
  const Plan plan[] = {{1, "square", 1, 1, 0}, {2, "square", 1, 1, 1}, {5, "cube", 1, 1, 0},
                       {3, "square", 2, 2, 0}, {4, "square", 2, 2, 1}, {6, "cube", 2, 2, 1}};
  for (const Plan& p : plan) {
    e = ev(EventKind::task_dispatched);
    e.id = p.id, e.name = p.name, e.peer = p.rank, e.batch = p.batch, e.bytes = 10, e.time_ns = t0 + 3 * kMs;
    o.on_event(e);
  }
  for (std::uint64_t b : {1, 2}) {
    e = ev(EventKind::task_batch_sent);
    e.batch = b, e.peer = static_cast<int>(b), e.count = 3, e.bytes = 100, e.time_ns = t0 + 3 * kMs;
    o.on_event(e);
  }
  e = ev(EventKind::counters);
  e.count = 0, e.value = 6, e.time_ns = t0 + 3 * kMs;
  o.on_event(e);
  // Results: each task ran 10 ms (task k from 4 + k ms on rank 0's clock).
  for (const Plan& p : plan) {
    const std::int64_t ahead = p.rank == 2 ? kRank2Ahead : 0;
    e = ev(p.id == 4 ? EventKind::task_retried : p.id == 6 ? EventKind::task_failed : EventKind::task_finished);
    e.id = p.id, e.peer = p.rank, e.bytes = 7, e.time_ns = t0 + 30 * kMs;
    e.start_ns = t0 + (4 + static_cast<std::int64_t>(p.id)) * kMs + ahead;
    e.end_ns = e.start_ns + 10 * kMs;
    if (p.id == 4 || p.id == 6) e.text = "std::runtime_error: boom";
    o.on_event(e);
    e = Event{};
    e.kind = EventKind::task_started, e.rank = p.rank, e.thread = p.thread, e.id = p.id, e.batch = p.batch;
    o.on_event(e);
  }
  // The retried task 4 runs again on rank 1 thread 1 and succeeds.
  e = ev(EventKind::task_dispatched);
  e.id = 4, e.attempt = 1, e.name = "square", e.peer = 1, e.batch = 3, e.bytes = 10, e.time_ns = t0 + 31 * kMs;
  o.on_event(e);
  e = ev(EventKind::task_finished);
  e.id = 4, e.attempt = 1, e.peer = 1, e.bytes = 7, e.time_ns = t0 + 45 * kMs, e.start_ns = t0 + 32 * kMs,
  e.end_ns = t0 + 42 * kMs;
  o.on_event(e);
  e = Event{};
  e.kind = EventKind::task_started, e.rank = 1, e.thread = 1, e.id = 4, e.attempt = 1, e.batch = 3;
  o.on_event(e);
  e = ev(EventKind::result_batch_received);
  e.peer = 1, e.count = 1, e.bytes = 60, e.time_ns = t0 + 45 * kMs;
  o.on_event(e);
  e = ev(EventKind::phase_end);
  e.name = "map", e.time_ns = t0 + 46 * kMs;
  o.on_event(e);
}

}  // namespace cohort::observe::test
