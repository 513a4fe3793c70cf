#pragma once
// Whether spinning is worth it: the ThreadPool's idle workers and the
// EventLoop's idle polling spin a little ("yield, look again") before they
// sleep, which keeps a busy pipeline awake cheaply — but only while the CPUs
// are not contended. When more threads are runnable than there are CPUs (an
// oversubscribed node: several ranks per core, other jobs), a yield hands the
// CPU to another thread for its whole time slice (milliseconds), while a
// short sleep gives it back at once and gets a prompt wake-up. So: a yield
// that comes back late marks the CPUs contended for kContendedNs, and in that
// time nobody spins: they sleep (the pool on its condition variable, the loop
// in its timed wait) until the next probe.
//
// Thread safety: any thread; one process-wide relaxed atomic (a hint, not a
// synchronisation point).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace cohort::core::detail {

// A yield that did not switch takes well under a microsecond; one that ran
// another thread takes a time slice.
inline constexpr std::int64_t kSwitchedNs = 5'000;
inline constexpr std::int64_t kContendedNs = 50'000'000;  // spin again (probe) after 50 ms

inline std::atomic<std::int64_t> g_contended_until_ns{0};

inline std::int64_t contention_clock_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// True while a recent yield found the CPUs busy: sleep rather than spin.
inline bool cpus_contended() noexcept {
  return contention_clock_ns() < g_contended_until_ns.load(std::memory_order_relaxed);
}

/// Yields once; false (and the CPUs count as contended from now on) if
/// another thread ran meanwhile.
inline bool yield_uncontended() noexcept {
  const std::int64_t t0 = contention_clock_ns();
  std::this_thread::yield();
  const std::int64_t t1 = contention_clock_ns();
  if (t1 - t0 < kSwitchedNs) return true;
  g_contended_until_ns.store(t1 + kContendedNs, std::memory_order_relaxed);
  return false;
}

}  // namespace cohort::core::detail
