#include <cohort/observe/event.hpp>

#include <chrono>

namespace cohort::observe {

Observer::~Observer() = default;

void Fanout::on_event(const Event& event) {
  for (Observer* s : sinks_) s->on_event(event);
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::tasks_queued: return "tasks_queued";
    case EventKind::task_dispatched: return "task_dispatched";
    case EventKind::task_started: return "task_started";
    case EventKind::task_finished: return "task_finished";
    case EventKind::task_failed: return "task_failed";
    case EventKind::task_retried: return "task_retried";
    case EventKind::task_batch_sent: return "task_batch_sent";
    case EventKind::task_batch_received: return "task_batch_received";
    case EventKind::result_batch_sent: return "result_batch_sent";
    case EventKind::result_batch_received: return "result_batch_received";
    case EventKind::phase_begin: return "phase_begin";
    case EventKind::phase_end: return "phase_end";
    case EventKind::worker_joined: return "worker_joined";
    case EventKind::worker_stopped: return "worker_stopped";
    case EventKind::clock_offset: return "clock_offset";
    case EventKind::counters: return "counters";
  }
  return "unknown";
}

}  // namespace cohort::observe
