#pragma once
// The cohort program's commands, as plain functions over plain structs, so
// that only main.cpp includes CLI11.

#include <cohort/mapreduce/options.hpp>

#include "run_journal.hpp"
#include "run_observe.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace cohort::cli {

/// Exit statuses of the cohort program (README "Exit codes" lists the same).
namespace status {
inline constexpr int kOk = 0;
inline constexpr int kTasksFailed = 1;  ///< the run finished but tasks failed
inline constexpr int kUsage = 2;        ///< bad option, unknown job or subcommand
inline constexpr int kInput = 6;        ///< an input or output path that cannot be used
inline constexpr int kPlugin = 7;       ///< a plugin that cannot be loaded (ABI, not a plugin)
inline constexpr int kInternal = 70;    ///< a bug: please report it
inline constexpr int kResume = kResumeExit;  ///< 75: stopped early on request (SIGUSR1/SIGTERM), journaled: rerun to resume
}  // namespace status

struct CommonOptions {
  std::vector<std::filesystem::path> plugin_path;  ///< --plugin-path, in order
  std::string log_level;                           ///< --log-level ("" = COHORT_LOG_LEVEL or warn)
};

int list_jobs(const CommonOptions& common);
int show_info(const CommonOptions& common, const std::string& job_or_file);
int doctor(const CommonOptions& common, std::size_t threads);

struct RunOptions {
  CommonOptions common;
  std::string job;
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path output;
  std::size_t threads = 0;
  bool quiet = false;
  mapreduce::OptionValues job_options;
  JournalOptions journal;  ///< --journal, --drain-timeout, --split-size (run_journal.hpp)
  ObserveOptions observe;  ///< --trace, --report, --stats, --progress (run_observe.hpp); quiet is copied in
};

int run_job(const RunOptions& options);

/// Maps an exception to a one-line message on stderr and an exit status.
int report_error(const std::exception& e, bool print = true);

/// This process's rank as the launcher announced it (0 when not launched as several).
int launcher_rank();

}  // namespace cohort::cli
