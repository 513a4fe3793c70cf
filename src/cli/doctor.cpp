// `cohort doctor`: what this process sees — MPI world, launcher, CPUs, threads,
// plugin path. Every rank prints one line about itself; rank 0 adds the rest.
#include "commands.hpp"

#include <cohort/cluster/launch.hpp>
#include <cohort/cluster/mpi_session.hpp>
#include <cohort/core/cpu.hpp>
#include <cohort/core/version.hpp>
#include <cohort/plugin/loader.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace cohort::cli {

namespace {
std::string env_or(const char* name, const char* fallback = "(unset)") {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string(fallback);
}
}  // namespace

int doctor(const CommonOptions& common, std::size_t threads) {
  // check_launch off: doctor should *report* a bad launch, not die of it.
  cluster::MpiSession session(cluster::SessionOptions{cluster::ThreadLevel::funneled, true, false});
  const auto launch = session.launch();
  const auto tc = core::explain_thread_count(threads);

  std::ostringstream line;
  line << "rank " << session.rank() << "/" << session.size() << " on " << session.host() << ": cpus "
       << cluster::affinity_string() << ", " << tc.count << " pool threads (from " << core::to_string(tc.source)
       << ")\n";
  const std::string mine = line.str();
  // One write per rank, so lines from several ranks do not interleave mid-line.
  [[maybe_unused]] auto n = ::write(STDOUT_FILENO, mine.data(), mine.size());

  if (session.rank() != 0) return status::kOk;
  std::ostringstream out;
  out << "cohort " << core::version() << "\n"
      << "MPI world:        " << session.size() << " rank(s)\n"
      << "launcher:         " << launch.launcher;
  if (!launch.variable.empty()) out << " (" << launch.variable << ")";
  out << "\n";
  if (auto problem = cluster::launch_mismatch(launch, session.size())) out << "PROBLEM:          " << *problem << "\n";
  out << "SLURM_JOB_ID:     " << env_or("SLURM_JOB_ID") << "\n"
      << "SLURM_CPUS_PER_TASK: " << env_or("SLURM_CPUS_PER_TASK") << "\n"
      << "OMP_NUM_THREADS:  " << env_or("OMP_NUM_THREADS") << "\n"
      << "COHORT_LOG_LEVEL: " << env_or("COHORT_LOG_LEVEL") << "\n"
      << "plugin path:\n";
  const plugin::PluginPath path(common.plugin_path);
  for (const auto& d : path.dirs()) out << "  " << d.path.string() << "  [" << d.origin << "]\n";
  const auto found = path.list();
  out << "jobs found:       ";
  if (found.empty()) out << "none";
  for (std::size_t i = 0; i < found.size(); ++i) out << (i ? ", " : "") << found[i].job;
  out << "\n";
  std::cout << out.str() << std::flush;
  return status::kOk;
}

}  // namespace cohort::cli
