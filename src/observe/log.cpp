// The logger: one spdlog logger with a sink that writes whole lines to stderr
// under one lock, clearing and redrawing the progress bar around them.
#include <cohort/observe/log.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

namespace cohort::observe {
namespace {

std::mutex& terminal_mutex() {
  static std::mutex m;
  return m;
}

struct StatusLine {
  std::function<void()> clear, redraw;
};
StatusLine& status_line() {  // guarded by terminal_mutex()
  static StatusLine s;
  return s;
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;  // nothing sensible to do about a broken stderr
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::lock_guard lock(terminal_mutex());
    StatusLine& s = status_line();
    if (s.clear) s.clear();
    write_all(STDERR_FILENO, buf.data(), buf.size());
    if (s.redraw) s.redraw();
  }
  void flush_() override {}
};

int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return std::atoi(v);
  }
  if (std::getenv("SLURM_STEP_ID") != nullptr) {
    if (const char* v = std::getenv("SLURM_PROCID"); v != nullptr && *v != '\0') return std::atoi(v);
  }
  return 0;
}

struct State {
  std::atomic<int> level;
  std::atomic<bool> all_ranks;
  std::atomic<int> rank;
  std::mutex mutex;  // guards role
  std::string role = "main";
  std::shared_ptr<spdlog::logger> logger;
  std::string bad_env;  // a COHORT_LOG_LEVEL that is not a level
  std::once_flag warned;

  State() : level(static_cast<int>(Level::warn)), all_ranks(false), rank(launcher_rank()) {
    if (const char* v = std::getenv("COHORT_LOG_LEVEL"); v != nullptr && *v != '\0') {
      if (auto l = parse_level(v)) level = static_cast<int>(*l);
      else bad_env = v;
    }
    if (const char* v = std::getenv("COHORT_LOG_RANKS"); v != nullptr && std::string_view(v) == "all") all_ranks = true;
    logger = std::make_shared<spdlog::logger>("cohort", std::make_shared<StderrSink>());
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::trace);  // the level is decided by should_log()
  }
};

State& state() {
  static State* s = new State;  // never destroyed: logging from static destructors stays safe
  return *s;
}

}  // namespace

std::optional<Level> parse_level(std::string_view n) noexcept {
  if (n == "trace") return Level::trace;
  if (n == "debug") return Level::debug;
  if (n == "info") return Level::info;
  if (n == "warn" || n == "warning") return Level::warn;
  if (n == "error") return Level::error;
  if (n == "critical") return Level::critical;
  if (n == "off") return Level::off;
  return std::nullopt;
}

std::string_view to_string(Level l) noexcept {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::critical: return "critical";
    case Level::off: return "off";
  }
  return "?";
}

void set_log_level(Level level) noexcept { state().level = static_cast<int>(level); }
Level log_level() noexcept { return static_cast<Level>(state().level.load()); }
void set_log_all_ranks(bool all) noexcept { state().all_ranks = all; }

void set_log_identity(int rank, std::string_view role) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.rank = rank;
  s.role = std::string(role);
}

int log_rank() noexcept { return state().rank.load(); }

bool should_log(Level level) noexcept {
  const State& s = state();
  if (level == Level::off) return false;
  int threshold = s.level.load(std::memory_order_relaxed);
  // Rank 0 prints everything else; the others only what is wrong.
  if (s.rank.load(std::memory_order_relaxed) != 0 && !s.all_ranks.load(std::memory_order_relaxed))
    threshold = std::max(threshold, static_cast<int>(Level::warn));
  return static_cast<int>(level) >= threshold;
}

void log(Level level, std::string_view message) {
  if (!should_log(level)) return;
  State& s = state();
  if (!s.bad_env.empty())
    std::call_once(s.warned, [&s] {
      s.logger->warn("[r{} {}] warn: COHORT_LOG_LEVEL='{}' is not a level (trace, debug, info, warn, error, "
                     "critical, off): using warn",
                     s.rank.load(), "main", s.bad_env);
    });
  std::string line;
  {
    std::lock_guard lock(s.mutex);
    line = "[r" + std::to_string(s.rank.load()) + " " + s.role + "] ";
  }
  if (level != Level::info) line.append(to_string(level)).append(": ");
  line.append(message);
  s.logger->log(static_cast<spdlog::level::level_enum>(static_cast<int>(level)), "{}", line);
}

void set_status_line(std::function<void()> clear, std::function<void()> redraw) {
  std::lock_guard lock(terminal_mutex());
  status_line() = StatusLine{std::move(clear), std::move(redraw)};
}

void with_stderr_lock(const std::function<void()>& write) {
  std::lock_guard lock(terminal_mutex());
  write();
}

}  // namespace cohort::observe
