// bench_metg: METG(50%) sweep. Busy-wait tasks of a given duration through
// Cohort's ClusterExecutor::map and through a hand-written MPI farm
// (bench/common/task_farm.hpp), the two interleaved duration by duration in one run.
//
//   mpirun -n 2 bench_metg [--durations-us 1,2,5,...] [--budget-s S]
//          [--min-tasks N] [--max-tasks N] [--threads T] [--repeat R]
//
// A task burns d of CPU time (a calibrated loop, spin.hpp): on a loaded
// machine it takes longer in wall time, as real compute would. For each duration d: n = clamp(S * worker_cores / d, min, max) tasks, so each
// point does about S seconds of useful work. Efficiency = n * d / (wall time *
// worker cores), worker cores = (ranks - 1) * threads (Cohort's rank 0 only
// schedules; the farm's rank 0 only hands out batches). Right after each run,
// a baseline burns the same work in a plain loop on rank 1 (no runtime): its
// efficiency is the core share this machine gives at that moment. Prints one JSON line
// per (system, duration, repeat) on rank 0. Exits non-zero if a task was lost.
#include "spin.hpp"
#include "task_farm.hpp"

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/mpi_session.hpp>
#include <cohort/wire/registry.hpp>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::vector<double> durations_us{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  double budget_s = 0.3;
  std::uint64_t min_tasks = 20;
  std::uint64_t max_tasks = 2'000'000;
  std::size_t threads = 1;
  int repeat = 1;
};

constexpr const char* kUsage =
    "usage: bench_metg [--durations-us D,D,...] [--budget-s S] [--min-tasks N] [--max-tasks N] [--threads T]\n"
    "                  [--repeat R] [--help]\n";

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "bench_metg: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + a);
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--durations-us") {
      o.durations_us.clear();
      std::string list = value();
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        o.durations_us.push_back(std::strtod(list.substr(pos, comma - pos).c_str(), nullptr));
        pos = comma + 1;
      }
    } else if (a == "--budget-s") {
      o.budget_s = std::strtod(value().c_str(), nullptr);
    } else if (a == "--min-tasks") {
      o.min_tasks = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--max-tasks") {
      o.max_tasks = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--threads") {
      o.threads = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--repeat") {
      o.repeat = std::atoi(value().c_str());
    } else {
      usage("unknown option " + a);
    }
  }
  for (double d : o.durations_us)
    if (!(d > 0)) usage("durations must be positive");
  if (!(o.budget_s > 0) || o.min_tasks == 0 || o.max_tasks < o.min_tasks || o.threads == 0 || o.repeat < 1)
    usage("values must be positive (and --max-tasks >= --min-tasks)");
  return o;
}

// baseline_s: the same work as one plain loop on one worker core, run right after.
void print_row(const char* system, double d_us, std::uint64_t n, double seconds, double cores, double baseline_s) {
  const double useful = static_cast<double>(n) * d_us * 1e-6;
  std::printf(
      "{\"system\": \"%s\", \"duration_us\": %g, \"tasks\": %llu, \"seconds\": %.6f, \"worker_cores\": %g, "
      "\"efficiency\": %.6f, \"baseline_seconds\": %.6f, \"baseline_efficiency\": %.6f}\n",
      system, d_us, static_cast<unsigned long long>(n), seconds, cores, useful / (seconds * cores), baseline_s,
      useful / baseline_s);
  std::fflush(stdout);
}

// Cohort: one executor per point (built and torn down outside the timing), so
// the raw farm can use MPI between two points.
double run_cohort(const cohort::wire::Registry& registry, std::size_t threads, std::uint64_t n,
                  std::uint64_t ns, int& status) {
  cohort::cluster::ClusterOptions co;
  co.threads = threads;
  double seconds = 0;
  cohort::cluster::ClusterExecutor ex(registry, co);
  if (ex.is_root()) {
    const std::vector<std::uint64_t> args(n, ns);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::uint64_t> out = ex.map<std::uint64_t>("spin", args).get();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (out.size() != n || std::accumulate(out.begin(), out.end(), std::uint64_t{0}) != n * ns) {
      std::fprintf(stderr, "bench_metg: cohort lost or doubled tasks (%zu results)\n", out.size());
      status = 1;
    }
    ex.shutdown();
  }
  ex.serve();
  return seconds;
}

// The same work with no runtime at all: worker rank 1 burns n tasks in a plain
// loop, at the same moment as the others run. On an idle machine its
// efficiency is ~1; on a shared one it is the share of a core this process
// gets, which bench/run divides out.
double run_baseline(std::uint64_t n, std::uint64_t ns, int rank) {
  double seconds = 0;
  if (rank == 1) {
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += bench::spin_ns(ns);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (sum != n * ns) seconds = -1;
    MPI_Send(&seconds, 1, MPI_DOUBLE, 0, 21, MPI_COMM_WORLD);
  } else if (rank == 0) {
    // Wait asleep, not in a spinning MPI_Recv: an ideal runtime's idle
    // scheduler leaves its core to others, as Cohort's does.
    MPI_Request request;
    MPI_Irecv(&seconds, 1, MPI_DOUBLE, 1, 21, MPI_COMM_WORLD, &request);
    for (int done = 0;;) {
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (done) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return seconds;
}

double run_raw(std::uint64_t n, std::uint64_t ns, int workers, int& status) {
  bench::FarmConfig c;
  c.tasks = n;
  c.first_arg = ns;  // every task burns ns
  c.arg_step = 0;
  c.body = bench::spin_ns;
  c.credits = 4;
  c.batch = std::clamp<std::uint64_t>(n / (static_cast<std::uint64_t>(workers) * 4), 1, 1000);
  const bench::FarmResult r = bench::run_farm(c);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0 && r.checksum != n * ns) {
    std::fprintf(stderr, "bench_metg: raw farm lost or doubled tasks\n");
    status = 1;
  }
  return r.seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  // SERIALIZED: Cohort's runtime calls MPI from its own loop thread.
  cohort::cluster::MpiSession session({.thread_level = cohort::cluster::ThreadLevel::serialized});
  if (session.size() < 2) {
    std::fprintf(stderr, "bench_metg: needs >= 2 ranks (mpirun -n 2 ...): one scheduler, one or more workers\n");
    return 2;
  }
  const bool root = session.rank() == 0;
  const int workers = session.size() - 1;
  const double cores = static_cast<double>(workers) * static_cast<double>(opt.threads);

  const double rate = bench::calibrate_spin();  // every rank, on its own core
  if (root) std::fprintf(stderr, "bench_metg: rank 0 burns %.3f iterations/ns of CPU\n", rate);

  cohort::wire::Registry registry;
  registry.add("spin", [](std::uint64_t ns) { return bench::spin_ns(ns); });

  int status = 0;
  // Warm-up, not reported: first-touch pages, connections, pools.
  MPI_Barrier(MPI_COMM_WORLD);
  run_raw(2000, 1000, workers, status);
  MPI_Barrier(MPI_COMM_WORLD);
  run_cohort(registry, opt.threads, 2000, 1000, status);

  for (int rep = 0; rep < opt.repeat; ++rep) {
    for (std::size_t i = 0; i < opt.durations_us.size(); ++i) {
      const double d = opt.durations_us[i];
      const auto ns = static_cast<std::uint64_t>(d * 1000 + 0.5);
      const auto n = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(opt.budget_s * cores / (d * 1e-6)),
                                               opt.min_tasks, opt.max_tasks);
      // Alternate which system goes first; each is followed at once by its
      // baseline, so both see the same state of the machine.
      for (int k = 0; k < 2; ++k) {
        const bool raw_now = (k == 0) == (i % 2 == 0);
        MPI_Barrier(MPI_COMM_WORLD);
        const double s = raw_now ? run_raw(n, ns, workers, status) : run_cohort(registry, opt.threads, n, ns, status);
        MPI_Barrier(MPI_COMM_WORLD);
        const double b = run_baseline(n, ns, session.rank());
        if (root) print_row(raw_now ? "raw_mpi" : "cohort", d, n, s, cores, b);
      }
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return status;
}
