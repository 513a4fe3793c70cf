#pragma once
/// `--trace FILE`: a Recording as Chrome trace event JSON (loads in Perfetto
/// and chrome://tracing).
///
/// Thread safety: pure functions over a Recording.
///
/// - One process row per rank: "rank 0 (scheduler)", "rank 3 (worker@host)"
///   (process_name metadata); one thread row per pool thread ("pool thread k")
///   and one for the loop thread (thread_name).
/// - A complete event ("ph":"X") per task attempt on its worker's pool thread,
///   with id, name, attempt, batch, argument and result bytes, outcome.
/// - Task batches: a short "dispatch" slice on rank 0's loop thread, and a flow
///   arrow ("s" -> "f", id = batch, "bp":"e") to the batch's first task.
/// - Counters ("ph":"C") on rank 0: tasks queued and tasks in flight.
/// - Result batches and task batches as instants on the loop threads; the
///   run's phases as slices on rank 0's "phases" row.
/// - Times in microseconds since the Recording's origin, on rank 0's clock.

#include <cohort/observe/export.hpp>
#include <cohort/observe/recorder.hpp>

#include <filesystem>
#include <string>

namespace cohort::observe {

COHORT_OBSERVE_EXPORT std::string trace_json(const Recording& recording);
/// Writes trace_json() to `path` (whole or not at all). @throws cohort::Error(io_error)
COHORT_OBSERVE_EXPORT void write_trace(const Recording& recording, const std::filesystem::path& path);

/// Writes `text` to `path` through a temporary file in the same directory.
/// @throws cohort::Error(io_error) naming the path
COHORT_OBSERVE_EXPORT void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace cohort::observe
