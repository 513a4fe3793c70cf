#pragma once
// Busy-wait tasks for the METG sweep: a task of duration d burns d of CPU time
// (like Task Bench's compute kernel, a preempted task takes longer in wall
// time). Run through Cohort and through the raw farm (bench/common/task_farm.hpp).
//
// Thread safety: calibrate_spin() once per rank before any spin_ns(); then
// spin_ns() from any thread.

#include <cstdint>

namespace bench {

/// Measures, on this process's CPU (thread CPU time, so other processes on a
/// loaded machine do not distort it), how many iterations of spin_ns's loop
/// take one nanosecond. Call once per rank before spin_ns; returns the rate.
double calibrate_spin();

/// Burns `ns` nanoseconds of CPU time (a fixed number of dependent integer
/// operations, calibrated by calibrate_spin()); returns `ns`.
std::uint64_t spin_ns(std::uint64_t ns);

}  // namespace bench
