// overflow_probe: a task that overflows its thread's stack. The fatal-signal
// handler needs that thread's own alternate signal stack to run at all (the
// overflowed stack has no room left); with it the job ends with Cohort's one
// line naming rank, signal and task, and exit 128 + SIGSEGV, not a bare crash
// that says nothing.
//
//   overflow_probe loop          inside a task array run on a worker's loop
//                                thread (a name already measured as quick)
//   overflow_probe pool_record   on a pool thread: the task submitted alone
//   overflow_probe pool_array    on a pool thread: the first array of a name
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/wire/registry.hpp>

#include <chrono>
#include <climits>
#include <cstdio>
#include <string_view>
#include <vector>

namespace {

volatile int g_depth_limit = INT_MAX;  // never reached: the stack ends first

int recurse(int depth) {
  volatile char frame[1024];  // a kilobyte of stack per call, kept
  frame[0] = static_cast<char>(depth);
  if (depth >= g_depth_limit) return frame[0];
  return recurse(depth + 1) + frame[0];  // not a tail call
}

// x >= 0: returns at once; x < 0: overflows the stack.
int deep(int x) { return x >= 0 ? x : recurse(0); }

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode != "loop" && mode != "pool_record" && mode != "pool_array") {
    std::fprintf(stderr, "usage: overflow_probe loop|pool_record|pool_array\n");
    return cohort::cluster::exit_code::kUsage;
  }
  cohort::wire::Registry registry;
  registry.add("deep", deep);
  cohort::cluster::ClusterOptions options;
  options.threads = 2;
  // loop: any array of a name measured as quick runs on the loop thread (the
  // default 20 us per array could send a slow sanitizer build's to the pool).
  if (mode == "loop") options.inline_array_budget = std::chrono::seconds(1);
  cohort::cluster::ClusterExecutor ex(registry, options);
  if (!ex.is_root()) return ex.serve();
  if (mode == "pool_record") {
    ex.submit<int>("deep", -1).get();
  } else if (mode == "pool_array") {
    ex.map<int>("deep", std::vector<int>(100, -1)).get();
  } else {
    // The first array of "deep" runs on the pool and shows its tasks quick;
    // the next one then runs on the loop thread (with one worker, the same one).
    ex.map<int>("deep", std::vector<int>(100, 1)).get();
    ex.map<int>("deep", std::vector<int>(100, -1)).get();
  }
  std::fprintf(stderr, "overflow_probe: the task returned\n");
  return 100;  // not reached: the job is aborted
}
