// What observing a run costs (bench/RESULTS.md, "Observer cost"): the same map
// of empty tasks with, in turn, no observer; task times only; a Recorder on
// rank 0 (what the summary and --stats use); and a full trace (Recorder with
// batches, workers' records sent at the end, the trace JSON written). The
// configurations alternate within each repeat, so machine noise hits them alike.
//
//   mpirun -n 3 --oversubscribe bench_observer_cost [--tasks N] [--repeat R] [--threads T]
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/mpi_session.hpp>
#include <cohort/observe/recorder.hpp>
#include <cohort/observe/trace.hpp>
#include <cohort/wire/registry.hpp>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// kArrays: the columnar fast path (map over fixed-size types), taken only
// when nothing observes; the others send per-task batches, so they compare
// against kOff.
enum Config { kArrays, kOff, kTimes, kRecorder, kTrace, kConfigs };
const char* const kNames[] = {"no observer, task arrays", "no observer", "task times only",
                              "recorder (summary, --stats)", "full trace (--trace)"};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 200'000;
  int repeat = 5;
  std::size_t threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--tasks") n = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--repeat") repeat = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench_observer_cost [--tasks N] [--repeat R] [--threads T]\n");
      return 2;
    }
  }
  cohort::cluster::MpiSession session({.thread_level = cohort::cluster::ThreadLevel::serialized});
  const bool root = session.rank() == 0;
  cohort::wire::Registry registry;
  registry.add("noop", [](std::uint64_t id) { return id; });
  std::vector<std::uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), std::uint64_t{0});

  std::vector<double> seconds[kConfigs];
  std::vector<double> trace_seconds, trace_mb;
  int status = 0;
  for (int r = 0; r < repeat; ++r) {
    for (int c = 0; c < kConfigs; ++c) {
      MPI_Barrier(MPI_COMM_WORLD);
      cohort::observe::Recorder recorder({.keep_tasks = true, .keep_batches = c == kTrace});
      cohort::cluster::ClusterOptions o;
      o.threads = threads;
      o.array_batches = c == kArrays;
      o.record_task_times = c > kOff;
      o.observer = c >= kRecorder ? &recorder : nullptr;
      o.collect_worker_events = c == kTrace;
      cohort::cluster::ClusterExecutor ex(registry, o);
      if (!ex.is_root()) {
        ex.serve();
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      const auto out = ex.map<std::uint64_t>("noop", ids).get();
      seconds[c].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (out.size() != n || out.back() != n - 1) status = 1;
      ex.shutdown();
      if (c == kTrace) {
        const auto t1 = std::chrono::steady_clock::now();
        const std::string json = cohort::observe::trace_json(recorder.finish());
        trace_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
        trace_mb.push_back(static_cast<double>(json.size()) / 1e6);
      }
    }
  }
  if (root) {
    std::printf("bench_observer_cost: %llu empty tasks, %d rank(s), %zu thread(s) per worker, median of %d\n",
                static_cast<unsigned long long>(n), session.size(), threads, repeat);
    const double base = median(seconds[kOff]);
    for (int c = 0; c < kConfigs; ++c) {
      const double s = median(seconds[c]);
      std::printf("  %-28s %8.3f s  %10.0f tasks/s  %+7.1f ns/task  (%+.1f%%)\n", kNames[c], s,
                  static_cast<double>(n) / s, (s - base) / static_cast<double>(n) * 1e9, 100 * (s - base) / base);
    }
    std::printf("  trace JSON: %.1f MB, written in %.3f s (%.0f ns/task)\n", median(trace_mb), median(trace_seconds),
                median(trace_seconds) / static_cast<double>(n) * 1e9);
  }
  return status;
}
