#include <cohort/core/cpu.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace cohort::core {
namespace {

/// A positive integer at the start of `text` (up to a ',' for OMP's nested lists),
/// or 0 if there is none. "8" -> 8, "4,2" -> 4, "", "x", "0", "-3" -> 0.
std::size_t parse_positive(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (auto comma = text.find(','); comma != std::string_view::npos) text = text.substr(0, comma);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return 0;
  return value;
}

std::optional<std::string_view> env(const char* name) noexcept {
  if (const char* v = std::getenv(name)) return std::string_view(v);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ThreadCountSource source) noexcept {
  switch (source) {
    case ThreadCountSource::requested: return "requested";
    case ThreadCountSource::affinity: return "affinity mask";
    case ThreadCountSource::slurm_cpus_per_task: return "SLURM_CPUS_PER_TASK";
    case ThreadCountSource::omp_num_threads: return "OMP_NUM_THREADS";
    case ThreadCountSource::hardware: return "hardware concurrency";
    case ThreadCountSource::fallback: return "fallback";
  }
  return "unknown";
}

ThreadCount resolve_thread_count(const ThreadCountInputs& in) noexcept {
  if (in.requested > 0) return {in.requested, ThreadCountSource::requested};
  if (in.affinity_cpus && *in.affinity_cpus > 0) return {*in.affinity_cpus, ThreadCountSource::affinity};
  if (in.slurm_cpus_per_task) {
    if (auto n = parse_positive(*in.slurm_cpus_per_task)) return {n, ThreadCountSource::slurm_cpus_per_task};
  }
  if (in.omp_num_threads) {
    if (auto n = parse_positive(*in.omp_num_threads)) return {n, ThreadCountSource::omp_num_threads};
  }
  if (in.hardware_concurrency > 0) return {in.hardware_concurrency, ThreadCountSource::hardware};
  return {1, ThreadCountSource::fallback};
}

std::optional<std::size_t> affinity_cpu_count() noexcept {
#if defined(__linux__)
  // The mask may be larger than the default cpu_set_t (1024 CPUs): grow until it fits.
  for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (set == nullptr) return std::nullopt;
    const std::size_t bytes = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(bytes, set);
    const int rc = sched_getaffinity(0, bytes, set);
    if (rc == 0) {
      const int n = CPU_COUNT_S(bytes, set);
      CPU_FREE(set);
      return n > 0 ? std::optional<std::size_t>(static_cast<std::size_t>(n)) : std::nullopt;
    }
    CPU_FREE(set);
    if (errno != EINVAL) return std::nullopt;
  }
#endif
  return std::nullopt;
}

ThreadCount explain_thread_count(std::size_t requested) {
  ThreadCountInputs in;
  in.requested = requested;
  in.affinity_cpus = affinity_cpu_count();
  in.slurm_cpus_per_task = env("SLURM_CPUS_PER_TASK");
  in.omp_num_threads = env("OMP_NUM_THREADS");
  in.hardware_concurrency = std::thread::hardware_concurrency();
  return resolve_thread_count(in);
}

std::size_t default_thread_count() { return explain_thread_count().count; }

}  // namespace cohort::core
