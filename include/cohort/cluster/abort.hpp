#pragma once
/// The one way out for a rank that cannot go on: say why on one line, then
/// abort the whole MPI job so that no other rank waits forever.
///
/// Thread safety: abort_job() may be called from any thread (it is the one MPI
/// call exempt from the "only the event-loop thread calls MPI" rule: the job is
/// going down). install_abort_handlers() is idempotent and thread-safe.
///
/// - abort_job() prints
///   "cohort: rank R (host H): <what> — aborting the job" to stderr, then calls
///   MPI_Abort(MPI_COMM_WORLD, exit_code). Without MPI (not initialised or
///   already finalised) it ends the process with _Exit(exit_code).
/// - install_abort_handlers() routes an uncaught exception (std::terminate) and
///   the fatal signals SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL through the same
///   path; the signal path writes with async-signal-safe calls only, then aborts
///   the job with exit_code::kSignalBase + signal. On a pool thread inside a
///   task the line names it: "cohort: rank 2 (host h): SIGSEGV (invalid memory
///   access) while running task 17 ('crash') — aborting the job" (a task array
///   names the chunk: "one of tasks 0..14").
/// - A handler for a stack overflow needs a stack to run on: the signal stack
///   of the thread that overflowed. install_thread_signal_stack() gives the
///   calling thread its own (mmap'ed, released when the thread exits), unless
///   it has one already (AddressSanitizer installs its own on every thread;
///   that one is kept). install_abort_handlers() calls it for its calling
///   thread; the cluster runtime for each thread it starts (its loop thread,
///   the pool's threads through ThreadPool::Options::on_thread_start).

#include <cohort/cluster/export.hpp>

#include <string_view>

namespace cohort::cluster {

[[noreturn]] COHORT_CLUSTER_EXPORT void abort_job(std::string_view what, int exit_code) noexcept;

/// Idempotent per thread: the handlers are installed once per process, the
/// calling thread gets a signal stack if it has none.
COHORT_CLUSTER_EXPORT void install_abort_handlers();

/// The calling thread's own alternate signal stack (see above). Idempotent;
/// does nothing if the thread has one, or if memory for it cannot be mapped.
COHORT_CLUSTER_EXPORT void install_thread_signal_stack() noexcept;

}  // namespace cohort::cluster
