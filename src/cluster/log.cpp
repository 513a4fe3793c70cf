// The cluster layer's log functions, routed to the observe layer's logger
// (which owns spdlog and the "[r<rank> <role>]" prefix).
#include "log.hpp"

#include <cohort/observe/log.hpp>

#include "process_info.hpp"

namespace cohort::cluster::detail {

bool debug_enabled() noexcept { return observe::should_log(observe::Level::debug); }

void log_debug(std::string_view m) { observe::log(observe::Level::debug, m); }
void log_info(std::string_view m) { observe::log(observe::Level::info, m); }
void log_warn(std::string_view m) { observe::log(observe::Level::warn, m); }

void set_log_role(std::string_view role) { observe::set_log_identity(process_rank(), role); }

}  // namespace cohort::cluster::detail
