#pragma once
// What a rank's runtime reports to its user thread: malformed messages seen
// and counts that decide the exit code.
//
// Thread safety: every member may be called from any thread.

#include <cohort/cluster/exit_codes.hpp>

#include "log.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace cohort::cluster::detail {

class RunState {
 public:
  void protocol_error(std::string what) {
    log_warn("dropped a message: " + what);
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(what));
  }
  std::vector<std::string> protocol_errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  void task_failed() noexcept { failed_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t failed_tasks() const noexcept { return failed_.load(std::memory_order_relaxed); }

  int exit_code() const {
    std::lock_guard lock(mutex_);
    if (!errors_.empty()) return exit_code::kProtocolError;
    return failed_.load() != 0 ? exit_code::kTasksFailed : exit_code::kOk;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> errors_;
  std::atomic<std::uint64_t> failed_{0};
};

}  // namespace cohort::cluster::detail
