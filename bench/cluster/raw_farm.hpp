#pragma once
// The ceiling: a hand-written MPI master/worker farm of empty tasks.
// Rank 0 sends batches of task ids (raw uint64 bytes); each worker "runs" every
// task through a function pointer (result = f(id)) and sends the results back
// as one message; each worker holds at most `credits` batches at a time and
// gets the next batch as soon as it returns one. No serialization, no futures,
// no threads: what Cohort's dispatch is measured against.

#include <cstdint>

namespace bench {

struct FarmConfig {
  std::uint64_t tasks = 1'000'000;
  std::uint64_t batch = 1000;
  int credits = 4;
};

struct FarmResult {
  double seconds = 0;         ///< rank 0's wall time for the whole farm
  std::uint64_t checksum = 0;  ///< sum of results, to check every task ran once
};

/// Collective over MPI_COMM_WORLD (needs >= 2 ranks). Rank 0 returns the
/// timing; workers return when rank 0 tells them to stop.
FarmResult run_raw_farm(const FarmConfig& config);

}  // namespace bench
