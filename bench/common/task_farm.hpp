#pragma once
// The ceiling Cohort is measured against: a hand-written MPI master/worker farm.
// Rank 0 sends batches of task arguments (raw uint64 bytes); each worker runs
// every task through `body` (result = body(argument)) and sends the results
// back as one message; each worker holds at most `credits` batches at a time
// and gets the next one as soon as it returns one. No serialization, no
// futures, no threads. bench_cluster runs empty tasks through it, bench_metg
// busy-wait tasks.
//
// Thread safety: collective over MPI_COMM_WORLD; call from one thread per rank
// while no other code uses MPI.

#include <cstdint>

namespace bench {

struct FarmConfig {
  std::uint64_t tasks = 1'000'000;
  std::uint64_t batch = 1000;  ///< most tasks per message
  int credits = 4;             ///< batches in flight per worker
  /// Task i's argument is first_arg + i * arg_step: the task ids (0, 1), or
  /// one value for every task (d, 0).
  std::uint64_t first_arg = 0;
  std::uint64_t arg_step = 1;
  /// What a worker runs per task, the same function on every rank (a plain
  /// function: nothing to send). Null: return the argument (an empty task).
  std::uint64_t (*body)(std::uint64_t) = nullptr;
};

struct FarmResult {
  double seconds = 0;          ///< rank 0's wall time, first send to last result
  std::uint64_t checksum = 0;  ///< sum of results, to check every task ran once
};

/// Collective (needs >= 2 ranks). Rank 0 returns the timing; workers return
/// when rank 0 tells them to stop.
FarmResult run_farm(const FarmConfig& config);

}  // namespace bench
