#pragma once
// What one submit/map/call_on hands to the scheduler on rank 0: the task name,
// every task's encoded arguments back to back, and where results go. Typed
// subclasses live in impl/cluster_executor_impl.hpp.
//
// Columnar submissions (map over fixed-size types, ClusterOptions::array_batches):
// every task's arguments are arg_size bytes, so `ends` stays empty; they travel
// as task arrays and come back as value arrays (deliver_values).
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
  bool columnar = false;             ///< fixed-size arguments and results: sent as task arrays
  std::uint32_t arg_size = 0;        ///< columnar: bytes of one task's arguments
  std::uint32_t result_size = 0;     ///< columnar: bytes of one result (0: void)
  std::uint64_t columnar_count = 0;  ///< columnar: tasks so far
  std::uint64_t first_id = 0;        ///< columnar: set by the scheduler; task i's id is first_id + i

  std::size_t size() const noexcept { return columnar ? columnar_count : ends.size(); }
  std::span<const std::byte> args_of(std::size_t i) const noexcept {
    if (columnar) return {args.data() + i * arg_size, arg_size};
    const std::uint64_t begin = i == 0 ? 0 : ends[i - 1];
    return {args.data() + begin, static_cast<std::size_t>(ends[i] - begin)};
  }
  /// Closes task i's arguments (call after appending them to `args`).
  void end_task() {
    if (columnar) {
      ++columnar_count;
    } else {
      ends.push_back(args.size());
    }
  }

  /// Task i finished with `record` (ok or error) on `rank`.
  virtual void deliver(std::size_t i, const wire::ResultRecord& record, int rank, std::string_view host) = 0;
  /// Task i ends with `error` (timeout, shutdown...).
  virtual void fail(std::size_t i, std::exception_ptr error) = 0;
  /// Task i will not run (shutdown with cancel_pending): its future is cancelled.
  virtual void cancel(std::size_t i) = 0;
  /// True when nobody waits for task i any more (its future was cancelled):
  /// the scheduler skips it instead of dispatching it.
  virtual bool abandoned(std::size_t i) const = 0;
  /// Columnar: tasks first .. first + count - 1 finished ok; `values` holds
  /// their results, result_size bytes each. Default: deliver() per task.
  virtual void deliver_values(std::size_t first, std::size_t count, std::span<const std::byte> values, int rank,
                              std::string_view host);
  /// Tasks first .. first + count - 1 end with `error`. Default: fail() per task.
  virtual void fail_range(std::size_t first, std::size_t count, std::exception_ptr error);
};

}  // namespace cohort::cluster::detail
