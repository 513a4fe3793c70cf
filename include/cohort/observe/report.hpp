#pragma once
/// `--report FILE.html`: one self-contained page about a run. All CSS, JS and
/// data are inline; the page makes no request to any host (it opens from a
/// file with the network off).
///
/// Thread safety: pure functions over values.
///
/// What it shows: a summary (job, ranks, threads, tasks, wall time,
/// throughput, failures, retries), a timeline of tasks per worker thread
/// (SVG drawn by the inline script), utilization per rank, the slowest tasks
/// and a histogram of task durations.
///
/// For tests and tools the script marks what it drew in the DOM:
/// `<body data-rendered="1">`, `#timeline[data-rows][data-tasks]` and one
/// `.tl-row[data-rank][data-thread][data-tasks]` per worker thread.
/// At most ReportOptions::max_tasks tasks are embedded (the slowest are always
/// kept); the page says when it shows fewer than ran.

#include <cohort/observe/export.hpp>
#include <cohort/observe/recorder.hpp>
#include <cohort/observe/stats.hpp>

#include <cstddef>
#include <filesystem>
#include <string>

namespace cohort::observe {

struct ReportOptions {
  std::size_t max_tasks = 200'000;
  std::string title;  ///< default: "Cohort run: <job>"
};

COHORT_OBSERVE_EXPORT std::string report_html(const Recording& recording, const RunStats& stats,
                                              const ReportOptions& options = {});
/// @throws cohort::Error(io_error) naming the path
COHORT_OBSERVE_EXPORT void write_report(const Recording& recording, const RunStats& stats,
                                        const std::filesystem::path& path, const ReportOptions& options = {});

}  // namespace cohort::observe
