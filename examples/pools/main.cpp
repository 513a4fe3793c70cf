// pools: the same ten busy loops run one after another, then on a ThreadPool.
//
//   pools [--threads N] [--steps S]
//
// Python's version of this (concurrent.futures) barely gains from a thread pool
// because of the GIL; here the pool scales with the cores it is given. Each
// count() is a dependent chain of S integer steps (~50-100 ms at the default).
// Results are printed in input order: ThreadPool::map keeps it.
//
// Then the same ten calls as tasks of a ClusterExecutor, spread over the MPI
// ranks (`mpirun -n 4 pools`); alone, rank 0 runs them on its local worker.
// Every rank starts this program: rank 0 prints, the others serve the tasks.

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/core/cpu.hpp>
#include <cohort/core/thread_pool.hpp>
#include <cohort/wire/registry.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

namespace {

/// The seed's count(number): S increments the optimiser cannot remove, then i * number.
std::uint64_t count(std::uint64_t number, std::uint64_t steps) {
  std::uint64_t i = 0;
  while (i < steps) {
    i = i + 1;
    asm volatile("" : "+r"(i));  // keep every step: one dependent add per iteration
  }
  return i * number;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"count(n) for n = 1..10: sequential vs ThreadPool"};
  std::size_t threads = 0;
  std::uint64_t steps = 200'000'000;
  app.add_option("--threads", threads, "pool threads (default: the CPUs this process may use)");
  app.add_option("--steps", steps, "busy-loop steps per count()")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  // Every rank registers the same task and builds the executor (collective).
  cohort::wire::Registry registry;
  registry.add("count", [steps](std::uint64_t n) { return count(n, steps); });
  cohort::cluster::ClusterOptions options;
  options.threads = threads;
  cohort::cluster::ClusterExecutor cluster(registry, options);
  if (!cluster.is_root()) return cluster.serve();  // workers: run tasks until rank 0 is done

  std::vector<std::uint64_t> numbers(10);
  std::iota(numbers.begin(), numbers.end(), 1);
  std::printf("count(n) for n = 1..10, %llu steps each\n", static_cast<unsigned long long>(steps));

  auto start = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> sequential;
  for (auto n : numbers) sequential.push_back(count(n, steps));
  const double t_seq = seconds_since(start);
  for (std::size_t i = 0; i < numbers.size(); ++i)
    std::printf("Item %llu, result %llu\n", static_cast<unsigned long long>(numbers[i]),
                static_cast<unsigned long long>(sequential[i]));
  std::printf("Sequential execution in %.3f s\n", t_seq);

  cohort::core::ThreadPool pool(threads);
  start = std::chrono::steady_clock::now();
  auto pooled = pool.map([steps](std::uint64_t n) { return count(n, steps); }, numbers, 1).get();
  const double t_pool = seconds_since(start);
  const auto source = threads > 0 ? std::string("--threads")
                                  : std::string(to_string(cohort::core::explain_thread_count().source));
  std::printf("Thread pool execution in %.3f s on %zu threads (%s): %.2fx the sequential speed, %s\n", t_pool,
              pool.size(), source.c_str(), t_seq / t_pool,
              pooled == sequential ? "same results" : "DIFFERENT RESULTS");

  start = std::chrono::steady_clock::now();
  auto clustered = cluster.map<std::uint64_t>("count", numbers).get();
  const double t_cluster = seconds_since(start);
  std::printf("Cluster execution in %.3f s on %d worker rank(s): %.2fx the sequential speed, %s\n", t_cluster,
              cluster.workers(), t_seq / t_cluster, clustered == sequential ? "same results" : "DIFFERENT RESULTS");
  const int code = cluster.serve();  // shuts the workers down
  return pooled == sequential && clustered == sequential ? code : 1;
}
