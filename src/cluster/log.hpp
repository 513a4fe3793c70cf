#pragma once
// The cluster layer's log functions: thin wrappers over the observe layer's
// logger (cohort/observe/log.hpp), which prints "[r<rank> <role>]" lines and
// takes its level from --log-level / COHORT_LOG_LEVEL (default warn).
//
// Thread safety: all functions may be called from any thread.

#include <string>
#include <string_view>

namespace cohort::cluster::detail {

bool debug_enabled() noexcept;
void log_debug(std::string_view message);
void log_info(std::string_view message);
void log_warn(std::string_view message);
/// The role shown in the prefix: "scheduler", "worker", "local"...
void set_log_role(std::string_view role);

}  // namespace cohort::cluster::detail

/// Evaluates `expr` (a std::string) only when debug logging is on.
#define COHORT_CLUSTER_DEBUG(expr)                                   \
  do {                                                               \
    if (::cohort::cluster::detail::debug_enabled())                  \
      ::cohort::cluster::detail::log_debug(expr);                    \
  } while (0)
