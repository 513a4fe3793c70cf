// Stop signals and the journal options of `cohort run` (see run_journal.hpp).
#include "run_journal.hpp"

#include <cohort/cluster/abort.hpp>
#include <cohort/core/cpu.hpp>
#include <cohort/core/error.hpp>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cohort::cli {
namespace {

std::atomic<int> g_signal{0};               // the first stop signal, 0 if none
std::atomic<std::int64_t> g_first_ns{0};    // when it came (CLOCK_MONOTONIC)
std::atomic<bool> g_root{true};
char g_message[256];                        // written by rank 0's handler on the first signal
std::size_t g_message_len = 0;

std::int64_t now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

extern "C" void on_stop_signal(int sig) {
  const int saved_errno = errno;
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    g_first_ns.store(now_ns());
    if (g_root.load() && g_message_len > 0) {
      const char* name = sig == SIGUSR1 ? "SIGUSR1" : sig == SIGTERM ? "SIGTERM" : "SIGINT";
      (void)!::write(STDERR_FILENO, "cohort: got ", 12);
      (void)!::write(STDERR_FILENO, name, std::strlen(name));
      (void)!::write(STDERR_FILENO, g_message, g_message_len);
    }
  } else if ((sig == SIGTERM || sig == SIGINT) && g_root.load() &&
             now_ns() - g_first_ns.load() > 2'000'000'000) {
    static const char kHard[] = "cohort: a second stop signal: ending at once (the journal keeps what finished)\n";
    (void)!::write(STDERR_FILENO, kHard, sizeof kHard - 1);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
  errno = saved_errno;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "a signal";
  }
}

}  // namespace

void install_stop_signals(const JournalOptions& options, bool root) {
  g_root = root;
  const int n = std::snprintf(g_message, sizeof g_message,
                              ": stopping cleanly (no new tasks; waiting up to %g s for running ones)\n",
                              options.drain_timeout);
  g_message_len = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof g_message - 1) : 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (const int sig : {SIGUSR1, SIGTERM, SIGINT}) ::sigaction(sig, &sa, nullptr);
}

void set_stop_role(bool root) { g_root = root; }

void limit_dispatch_ahead(cluster::ClusterOptions& options) {
  // One task per batch: a worker runs a small batch's tasks one after another
  // on one pool thread (right for tiny tasks, wrong for map tasks of MBs), so
  // two batches of `threads` tasks kept only two of its threads busy. Two per
  // thread instead: one running, one waiting for it.
  const std::size_t threads = options.threads != 0 ? options.threads : core::default_thread_count();
  options.max_batch = 1;
  options.credits = static_cast<int>(std::clamp<std::size_t>(2 * threads, 2, 1u << 16));
}

void apply_journal_options(const JournalOptions& o, mapreduce::RunConfig& cfg) {
  cfg.journal = o.journal;
  cfg.drain_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.drain_timeout * 1000));
  if (o.split_size != 0) cfg.split_bytes = o.split_size;
  // How map results reach the reducers (an option, else the environment: for tests and tuning).
  const char* env_shuffle = std::getenv("COHORT_SHUFFLE");
  const bool from_option = !o.shuffle.empty();
  const std::string mode = from_option ? o.shuffle : env_shuffle != nullptr ? env_shuffle : "";
  using Shuffle = mapreduce::RunConfig::Shuffle;
  if (mode == "files") cfg.shuffle = Shuffle::files;
  else if (mode == "gather") cfg.shuffle = Shuffle::gather;
  else if (mode == "mpi") cfg.shuffle = Shuffle::mpi;
  else if (mode == "auto" || mode.empty()) cfg.shuffle = Shuffle::automatic;
  else throw Error(Errc::invalid_argument, std::string(from_option ? "--shuffle" : "COHORT_SHUFFLE") + " '" + mode +
                                               "': expected auto, gather, files or mpi");
  // Inside a Slurm job a journal is the default (a requeued job finds it
  // again), except when the mpi shuffle is asked for: it keeps no map output
  // on disk to resume from, and a journal would refuse it.
  if (cfg.journal.empty() && std::getenv("SLURM_JOB_ID") != nullptr && cfg.shuffle != Shuffle::mpi) {
    cfg.journal = cfg.output.string() + ".cohort-journal";
  }
  if (!o.scratch_dir.empty()) {
    cfg.scratch_dir = o.scratch_dir;
  } else if (const char* d = std::getenv("COHORT_SCRATCH_DIR"); d != nullptr && *d != '\0') {
    cfg.scratch_dir = d;
  }
  auto env_bytes = [](const char* name, std::uint64_t& out) {
    const char* c = std::getenv(name);
    if (c == nullptr || *c == '\0') return;
    char* end = nullptr;
    const unsigned long long bytes = std::strtoull(c, &end, 10);  // (it would take "-1" as 2^64-1)
    if (end == c || *end != '\0' || bytes == 0 || *c < '0' || *c > '9') {
      throw Error(Errc::invalid_argument, std::string(name) + " '" + c + "': expected a byte count > 0");
    }
    out = bytes;
  };
  env_bytes("COHORT_SHUFFLE_CHUNK", cfg.shuffle_chunk_bytes);
  env_bytes("COHORT_GATHER_LIMIT", cfg.gather_limit);
  cfg.stop_requested = [] { return g_signal.load(std::memory_order_relaxed) != 0; };
}

int report_stopped(const mapreduce::StoppedEarly& e) {
  std::fprintf(stderr, "cohort: %s: %s (exit %d)\n", signal_name(g_signal.load()), e.what(), kResumeExit);
  std::fflush(stderr);
  if (!e.drained()) {
    cluster::abort_job("tasks still running past --drain-timeout; ending them (the journal keeps what finished)",
                       kResumeExit);
  }
  return kResumeExit;
}

void report_resumed(const mapreduce::RunResult& r, const mapreduce::RunConfig& cfg, bool quiet) {
  if (quiet || (r.resumed_tasks == 0 && r.resumed_rounds == 0)) return;
  std::fprintf(stderr, "cohort: resumed: %llu of %llu map tasks", static_cast<unsigned long long>(r.resumed_tasks),
               static_cast<unsigned long long>(r.splits));
  if (r.resumed_rounds > 0) std::fprintf(stderr, " and %u of %u rounds", r.resumed_rounds, r.rounds);
  std::fprintf(stderr, " from the journal '%s'\n", cfg.journal.c_str());
}

}  // namespace cohort::cli
