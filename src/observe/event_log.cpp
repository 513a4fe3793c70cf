#include <cohort/observe/event_log.hpp>
#include <cohort/observe/log.hpp>

#include <string>

namespace cohort::observe {
namespace {

std::string task(const Event& e) {
  return "task " + std::to_string(e.id) + (e.name.empty() ? "" : " ('" + std::string(e.name) + "')") +
         (e.attempt > 0 ? " attempt " + std::to_string(e.attempt) : "");
}

}  // namespace

void EventLogger::on_event(const Event& e) {
  switch (e.kind) {
    case EventKind::worker_joined:
      COHORT_LOG_INFO("worker rank " + std::to_string(e.peer) + " on " + std::string(e.name) + " joined with " +
                      std::to_string(e.count) + " thread(s)");
      break;
    case EventKind::clock_offset:
      COHORT_LOG_DEBUG("worker rank " + std::to_string(e.peer) + " clock offset " + std::to_string(e.value) +
                       " ns (round trip " + std::to_string(e.count) + " ns)");
      break;
    case EventKind::phase_begin:
      COHORT_LOG_INFO("phase " + std::string(e.name) + (e.id > 0 ? " (round " + std::to_string(e.id) + ")" : "") +
                      " begins");
      break;
    case EventKind::phase_end:
      COHORT_LOG_INFO("phase " + std::string(e.name) + (e.id > 0 ? " (round " + std::to_string(e.id) + ")" : "") +
                      " done");
      break;
    case EventKind::task_retried:
      COHORT_LOG_INFO(task(e) + " failed on rank " + std::to_string(e.peer) + ", retrying: " + std::string(e.text));
      break;
    case EventKind::tasks_queued:
      COHORT_LOG_DEBUG(std::to_string(e.count) + " task(s) '" + std::string(e.name) + "' queued (ids " +
                       std::to_string(e.id) + "..)");
      break;
    case EventKind::task_batch_sent:
      COHORT_LOG_DEBUG("task batch " + std::to_string(e.batch) + ": " + std::to_string(e.count) + " task(s), " +
                       std::to_string(e.bytes) + " bytes -> rank " + std::to_string(e.peer));
      break;
    case EventKind::result_batch_received:
      COHORT_LOG_DEBUG("result batch: " + std::to_string(e.count) + " result(s), " + std::to_string(e.bytes) +
                       " bytes <- rank " + std::to_string(e.peer));
      break;
    case EventKind::task_dispatched:
      COHORT_LOG_TRACE(task(e) + " -> rank " + std::to_string(e.peer) + " (batch " + std::to_string(e.batch) + ")");
      break;
    case EventKind::task_finished:
      COHORT_LOG_TRACE(task(e) + " done on rank " + std::to_string(e.peer));
      break;
    case EventKind::task_failed:
      COHORT_LOG_TRACE(task(e) + " failed on rank " + std::to_string(e.peer) + ": " + std::string(e.text));
      break;
    default:
      break;
  }
}

}  // namespace cohort::observe
