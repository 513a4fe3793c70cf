#pragma once
/// EventLogger: the runtime's events as log lines (observe/log.hpp), at the
/// level each deserves: workers joining, phases and retries at info; batches
/// and clock offsets at debug; every task at trace (workers stopping: the
/// cluster layer's own debug line). Failed tasks are not logged here: the
/// failure reaches its future, and the caller reports it.
///
/// Thread safety: on_event() from any thread.

#include <cohort/observe/event.hpp>
#include <cohort/observe/export.hpp>

namespace cohort::observe {

class COHORT_OBSERVE_EXPORT EventLogger final : public Observer {
 public:
  void on_event(const Event& event) override;
};

}  // namespace cohort::observe
