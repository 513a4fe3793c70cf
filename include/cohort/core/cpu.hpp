#pragma once
/// How many threads a ThreadPool uses when nobody says: default_thread_count(),
/// and explain_thread_count() which also says where the number came from (for
/// `cohort doctor` and logs).
///
/// Thread safety: all functions are thread-safe (they read the environment and
/// the process's CPU affinity; nothing is cached).
///
/// Order of precedence (first that gives a positive number wins):
///   1. an explicit request (`--threads`, the ThreadPool constructor argument);
///   2. the CPUs in this process's affinity mask (sched_getaffinity: what Slurm's
///      task binding and `mpirun --bind-to` set);
///   3. SLURM_CPUS_PER_TASK;
///   4. OMP_NUM_THREADS (its first entry if it is a nested list such as "4,2");
///   5. std::thread::hardware_concurrency();
///   6. 1.
/// Malformed or non-positive environment values are skipped, not fatal.

#include <cohort/core/export.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace cohort::core {

enum class ThreadCountSource {
  requested,          ///< given explicitly (constructor argument / --threads)
  affinity,           ///< CPUs in the process's affinity mask
  slurm_cpus_per_task,///< the SLURM_CPUS_PER_TASK environment variable
  omp_num_threads,    ///< the OMP_NUM_THREADS environment variable
  hardware,           ///< std::thread::hardware_concurrency()
  fallback,           ///< nothing else said anything: 1
};

/// "affinity mask", "SLURM_CPUS_PER_TASK", ... for messages.
COHORT_CORE_EXPORT std::string_view to_string(ThreadCountSource source) noexcept;

struct ThreadCount {
  std::size_t count = 1;
  ThreadCountSource source = ThreadCountSource::fallback;
};

/// The raw facts the choice is made from (so the rule itself is testable).
struct ThreadCountInputs {
  std::size_t requested = 0;                     ///< 0 = not requested
  std::optional<std::size_t> affinity_cpus;      ///< nullopt = sched_getaffinity unavailable
  std::optional<std::string_view> slurm_cpus_per_task;
  std::optional<std::string_view> omp_num_threads;
  unsigned hardware_concurrency = 0;
};

/// Applies the precedence above to `in`. Pure.
COHORT_CORE_EXPORT ThreadCount resolve_thread_count(const ThreadCountInputs& in) noexcept;

/// CPUs in the calling thread's affinity mask, or nullopt if it cannot be read.
COHORT_CORE_EXPORT std::optional<std::size_t> affinity_cpu_count() noexcept;

/// resolve_thread_count() on this process's environment and affinity.
COHORT_CORE_EXPORT ThreadCount explain_thread_count(std::size_t requested = 0);

/// explain_thread_count().count: what ThreadPool(0) uses.
COHORT_CORE_EXPORT std::size_t default_thread_count();

}  // namespace cohort::core
