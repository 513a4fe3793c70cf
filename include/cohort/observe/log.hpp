#pragma once
/// The logger every layer uses: lines on stderr that start with
/// "[r<rank> <role>]", e.g. "[r3 worker] warn: ...". spdlog stays inside log.cpp.
///
/// Thread safety: every function may be called from any thread.
///
/// - Level: set_log_level(), else COHORT_LOG_LEVEL (trace, debug, info, warn,
///   error, critical, off), else warn. An unknown name is reported once and
///   means warn.
/// - Who prints: rank 0 prints everything at the level; the other ranks print
///   only warnings and errors (they reach stderr on the rank that has them),
///   unless COHORT_LOG_RANKS=all or set_log_all_ranks(true).
/// - Lazy: COHORT_LOG(level, expr) evaluates `expr` (anything convertible to
///   std::string_view, e.g. a std::string built on the spot) only when the
///   line will be printed.
/// - A live status line (the progress bar) is cleared before a log line is
///   written and drawn again after it (set_status_line()).

#include <cohort/observe/export.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::observe {

enum class Level { trace, debug, info, warn, error, critical, off };

/// "trace" ... "off"; nullopt for anything else.
COHORT_OBSERVE_EXPORT std::optional<Level> parse_level(std::string_view name) noexcept;
COHORT_OBSERVE_EXPORT std::string_view to_string(Level level) noexcept;

COHORT_OBSERVE_EXPORT void set_log_level(Level level) noexcept;
COHORT_OBSERVE_EXPORT Level log_level() noexcept;
COHORT_OBSERVE_EXPORT void set_log_all_ranks(bool all) noexcept;

/// Who this process is, for the prefix. Before it is called the rank is the one
/// the launcher announced (OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK,
/// SLURM_PROCID) and the role "main".
COHORT_OBSERVE_EXPORT void set_log_identity(int rank, std::string_view role);
COHORT_OBSERVE_EXPORT int log_rank() noexcept;

/// Whether a line at `level` would be printed on this rank.
COHORT_OBSERVE_EXPORT bool should_log(Level level) noexcept;
/// Prints `message` (one line) if should_log(level).
COHORT_OBSERVE_EXPORT void log(Level level, std::string_view message);

/// For a live status line on this process's stderr: `clear` erases it, `redraw`
/// draws it again; both are called under the logger's lock around each line.
/// Pass empty functions to remove it. Used by ProgressBar.
COHORT_OBSERVE_EXPORT void set_status_line(std::function<void()> clear, std::function<void()> redraw);
/// Runs `write` under the logger's lock (so it never interleaves with a log line).
COHORT_OBSERVE_EXPORT void with_stderr_lock(const std::function<void()>& write);

}  // namespace cohort::observe

#define COHORT_LOG(level, expr)                                       \
  do {                                                                \
    if (::cohort::observe::should_log(level)) ::cohort::observe::log(level, (expr)); \
  } while (0)
#define COHORT_LOG_TRACE(expr) COHORT_LOG(::cohort::observe::Level::trace, expr)
#define COHORT_LOG_DEBUG(expr) COHORT_LOG(::cohort::observe::Level::debug, expr)
#define COHORT_LOG_INFO(expr) COHORT_LOG(::cohort::observe::Level::info, expr)
#define COHORT_LOG_WARN(expr) COHORT_LOG(::cohort::observe::Level::warn, expr)
#define COHORT_LOG_ERROR(expr) COHORT_LOG(::cohort::observe::Level::error, expr)
