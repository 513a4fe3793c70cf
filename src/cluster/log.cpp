#include "log.hpp"

#include "process_info.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <string>

namespace cohort::cluster::detail {
namespace {

spdlog::level::level_enum level_from_env() {
  const char* v = std::getenv("COHORT_LOG_LEVEL");
  if (v == nullptr || *v == '\0') return spdlog::level::warn;
  return spdlog::level::from_str(v);  // unknown names map to "off"
}

struct Logger {
  std::shared_ptr<spdlog::logger> impl;
  std::mutex mutex;  // guards role
  std::string role = "main";

  Logger() : impl(spdlog::stderr_color_mt("cohort.cluster")) {
    impl->set_level(level_from_env());
    impl->set_pattern("%v");
  }
};

Logger& logger() {
  static Logger l;
  return l;
}

std::string prefix() {
  Logger& l = logger();
  std::lock_guard lock(l.mutex);
  return "[r" + std::to_string(process_rank()) + " " + l.role + "] ";
}

}  // namespace

bool debug_enabled() noexcept { return logger().impl->should_log(spdlog::level::debug); }

void log_debug(std::string_view m) { logger().impl->debug("{}{}", prefix(), m); }
void log_info(std::string_view m) { logger().impl->info("{}{}", prefix(), m); }
void log_warn(std::string_view m) { logger().impl->warn("{}{}", prefix(), m); }

void set_log_role(std::string_view role) {
  Logger& l = logger();
  std::lock_guard lock(l.mutex);
  l.role = std::string(role);
}

}  // namespace cohort::cluster::detail
