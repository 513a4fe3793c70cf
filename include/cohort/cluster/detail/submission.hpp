#pragma once
// What one submit/map/call_on hands to the scheduler on rank 0: the task name,
// every task's encoded arguments back to back, and where results go. Typed
// subclasses live in impl/cluster_executor_impl.hpp.
//
// Thread safety: built on the caller's thread, then owned by the scheduler on
// the loop thread; deliver/fail/cancel/abandoned run only there.

#include <cohort/cluster/export.hpp>
#include <cohort/cluster/options.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::wire {
struct ResultRecord;
}

namespace cohort::cluster::detail {

inline constexpr int kAnyRank = -1;

class COHORT_CLUSTER_EXPORT Submission {
 public:
  virtual ~Submission();

  std::string name;
  TaskPolicy policy;
  std::vector<std::byte> args;       ///< every task's argument archive, back to back
  std::vector<std::uint64_t> ends;   ///< ends[i]: end offset of task i's arguments
  std::vector<int> targets;          ///< empty: any worker; else the rank task i must run on
  std::uint64_t unsettled = 0;       ///< the scheduler's count of tasks whose futures are not settled yet
  bool cancel_per_task = false;      ///< abandoned(i) differs per task (else one answer for all)

  std::size_t size() const noexcept { return ends.size(); }
  std::span<const std::byte> args_of(std::size_t i) const noexcept {
    const std::uint64_t begin = i == 0 ? 0 : ends[i - 1];
    return {args.data() + begin, static_cast<std::size_t>(ends[i] - begin)};
  }
  /// Closes task i's arguments (call after appending them to `args`).
  void end_task() { ends.push_back(args.size()); }

  /// Task i finished with `record` (ok or error) on `rank`.
  virtual void deliver(std::size_t i, const wire::ResultRecord& record, int rank, std::string_view host) = 0;
  /// Task i ends with `error` (timeout, shutdown...).
  virtual void fail(std::size_t i, std::exception_ptr error) = 0;
  /// Task i will not run (shutdown with cancel_pending): its future is cancelled.
  virtual void cancel(std::size_t i) = 0;
  /// True when nobody waits for task i any more (its future was cancelled):
  /// the scheduler skips it instead of dispatching it.
  virtual bool abandoned(std::size_t i) const = 0;
};

}  // namespace cohort::cluster::detail
