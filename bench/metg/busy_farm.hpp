#pragma once
// A hand-written MPI master/worker farm of busy-wait tasks: the ceiling that
// Cohort's METG is compared with. Rank 0 sends batches of task arguments (each
// a duration in ns, as raw uint64 bytes); a worker spins that long per task and
// sends the results (the argument back) as one message; each worker holds at
// most `credits` batches. No serialization, no futures, no threads.
//
// Thread safety: collective over MPI_COMM_WORLD; call from one thread per rank
// while no other code uses MPI.

#include <cstdint>

namespace bench {

/// Measures, on this process's CPU (thread CPU time, so other processes on a
/// loaded machine do not distort it), how many iterations of spin_ns's loop
/// take one nanosecond. Call once per rank before spin_ns; returns the rate.
double calibrate_spin();

/// Burns `ns` nanoseconds of CPU time (a fixed number of dependent integer
/// operations, calibrated by calibrate_spin(): like Task Bench's compute
/// kernel, a preempted task takes longer in wall time); returns `ns`.
std::uint64_t spin_ns(std::uint64_t ns);

struct BusyFarmConfig {
  std::uint64_t tasks = 1000;
  std::uint64_t task_ns = 1000;
  std::uint64_t batch = 1000;  ///< most tasks per message
  int credits = 4;             ///< batches in flight per worker
};

struct BusyFarmResult {
  double seconds = 0;          ///< rank 0's wall time, first send to last result
  std::uint64_t checksum = 0;  ///< sum of results (tasks * task_ns if none was lost)
};

/// Collective (needs >= 2 ranks). Rank 0 returns the timing; workers return
/// when rank 0 tells them to stop.
BusyFarmResult run_busy_farm(const BusyFarmConfig& config);

}  // namespace bench
