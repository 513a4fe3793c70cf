// bench_cluster: Cohort's cluster dispatch against a hand-written MPI farm,
// side by side in one run, over the same empty tasks and the same batching.
//
//   mpirun -n 4 --oversubscribe bench_cluster [--tasks N] [--batch B]
//          [--credits K] [--repeat R] [--only raw|cohort] [--records]
//
// Prints, on rank 0, the median tasks/s of R repeats for each side and the
// ratio cohort/raw, then the CPU time per task (process CPU clock, all threads)
// of rank 0 and of the workers together: on a loaded machine the rates move
// with the load, the CPU per task much less. Cohort runs
// ClusterExecutor::map<uint64_t>("noop", ids) with max_batch = --batch and
// credits = --credits; --records turns columnar task arrays off (one record per
// task, the path of non-arithmetic types). Exits non-zero if a checksum shows a
// task lost or doubled.
#include "task_farm.hpp"

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/mpi_session.hpp>
#include <cohort/wire/registry.hpp>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

struct Options {
  bench::FarmConfig farm;
  int repeat = 5;
  std::size_t threads = 0;
  long idle_us = -1;  // -1: ClusterOptions' default
  std::string only;
  bool records = false;
};

constexpr const char* kUsage =
    "usage: bench_cluster [--tasks N] [--batch B] [--credits K] [--repeat R] [--threads T] [--idle-us U]\n"
    "                     [--only raw|cohort] [--records] [--help]\n";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "bench_cluster: %s\n%s", why, kUsage);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--tasks") o.farm.tasks = std::strtoull(value(), nullptr, 10);
    else if (a == "--batch") o.farm.batch = std::strtoull(value(), nullptr, 10);
    else if (a == "--credits") o.farm.credits = std::atoi(value());
    else if (a == "--repeat") o.repeat = std::atoi(value());
    else if (a == "--only") o.only = value();
    else if (a == "--threads") o.threads = std::strtoull(value(), nullptr, 10);
    else if (a == "--idle-us") o.idle_us = std::atol(value());
    else if (a == "--records") o.records = true;
    else usage(("unknown option " + a).c_str());
  }
  if (o.farm.tasks == 0 || o.farm.batch == 0 || o.farm.credits < 1 || o.repeat < 1) usage("values must be positive");
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Collective: CPU seconds of rank 0 and of all other ranks together.
void report_cpu(const char* label, double mine, bool root, double tasks) {
  double others = 0;
  const double contribution = root ? 0.0 : mine;
  MPI_Reduce(&contribution, &others, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (root)
    std::printf("%s cpu/task: rank 0 %.1f ns, workers %.1f ns (all threads, whole section)\n", label,
                1e9 * mine / tasks, 1e9 * others / tasks);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  // SERIALIZED: the Cohort side calls MPI from its own event-loop thread.
  cohort::cluster::MpiSession session({.thread_level = cohort::cluster::ThreadLevel::serialized});
  const bool root = session.rank() == 0;
  const std::uint64_t n = opt.farm.tasks;
  const std::uint64_t expected = n * (n - 1) / 2;  // sum of ids 0..n-1
  int status = 0;

  if (root)
    std::printf("bench_cluster: %llu empty tasks, batch %llu, credits %d, %d rank(s) (%d worker(s)), %d repeat(s)%s\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(opt.farm.batch),
                opt.farm.credits, session.size(), session.size() - 1, opt.repeat,
                opt.records ? ", Cohort with one record per task" : "");

  double raw_rate = 0;
  if (opt.only != "cohort") {
    if (session.size() < 2) {
      if (root) std::printf("raw farm   : skipped (needs >= 2 ranks: one master, one worker)\n");
    } else {
      std::vector<double> rates;
      MPI_Barrier(MPI_COMM_WORLD);
      const double cpu0 = cpu_seconds();
      for (int r = 0; r < opt.repeat; ++r) {
        MPI_Barrier(MPI_COMM_WORLD);
        bench::FarmResult res = bench::run_farm(opt.farm);  // ids 0.. through an empty body
        if (root) {
          rates.push_back(static_cast<double>(n) / res.seconds);
          if (res.checksum != expected) {
            std::fprintf(stderr, "raw farm: checksum %llu, expected %llu\n",
                         static_cast<unsigned long long>(res.checksum), static_cast<unsigned long long>(expected));
            status = 1;
          }
        }
      }
      const double cpu = cpu_seconds() - cpu0;
      if (root) {
        raw_rate = median(rates);
        std::printf("raw farm   : %12.0f tasks/s (median of %d; min %.0f, max %.0f)\n", raw_rate, opt.repeat,
                    *std::min_element(rates.begin(), rates.end()), *std::max_element(rates.begin(), rates.end()));
      }
      report_cpu("raw farm  ", cpu, root, static_cast<double>(n) * opt.repeat);
    }
  }

  if (opt.only != "raw") {
    MPI_Barrier(MPI_COMM_WORLD);  // the last MPI call of this thread while the executor lives
    cohort::wire::Registry registry;
    registry.add("noop", [](std::uint64_t id) { return id; });
    cohort::cluster::ClusterOptions co;
    co.max_batch = opt.farm.batch;
    co.credits = opt.farm.credits;
    co.threads = opt.threads;
    co.array_batches = !opt.records;
    if (opt.idle_us >= 0) co.max_idle_wait = std::chrono::microseconds(opt.idle_us);
    const double cpu0 = cpu_seconds();
    {
      cohort::cluster::ClusterExecutor ex(registry, co);
      if (ex.is_root()) {
        std::vector<std::uint64_t> ids(n);
        std::iota(ids.begin(), ids.end(), std::uint64_t{0});
        std::vector<double> rates;
        for (int r = 0; r < opt.repeat; ++r) {
          const auto start = std::chrono::steady_clock::now();
          std::vector<std::uint64_t> out = ex.map<std::uint64_t>("noop", ids).get();
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          rates.push_back(static_cast<double>(n) / seconds);
          const std::uint64_t sum = std::accumulate(out.begin(), out.end(), std::uint64_t{0});
          if (sum != expected || out.size() != n) {
            std::fprintf(stderr, "cohort: checksum %llu over %zu results, expected %llu\n",
                         static_cast<unsigned long long>(sum), out.size(), static_cast<unsigned long long>(expected));
            status = 1;
          }
        }
        const double rate = median(rates);
        std::printf("cohort map : %12.0f tasks/s (median of %d; min %.0f, max %.0f; %d worker(s))\n", rate,
                    opt.repeat, *std::min_element(rates.begin(), rates.end()),
                    *std::max_element(rates.begin(), rates.end()), ex.workers());
        if (raw_rate > 0) std::printf("ratio      : %.1f %% of the raw farm\n", 100.0 * rate / raw_rate);
        ex.shutdown();
      }
      ex.serve();
    }
    report_cpu(opt.records ? "cohort map (records)" : "cohort map", cpu_seconds() - cpu0, root,
               static_cast<double>(n) * opt.repeat);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return status;
}
