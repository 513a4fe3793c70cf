#include <cohort/cluster/launch.hpp>

#include <sched.h>

#include <cstdlib>
#include <string>

namespace cohort::cluster {
namespace {

int to_int(const char* v) {
  if (v == nullptr || *v == '\0') return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return (end != nullptr && *end == '\0' && n > 0 && n < (1L << 30)) ? static_cast<int>(n) : 0;
}

}  // namespace

LaunchInfo detect_launch(const EnvLookup& env_in) {
  EnvLookup env = env_in ? env_in : EnvLookup([](const char* n) -> const char* { return std::getenv(n); });
  auto var = [&](const char* name) -> const char* { return env(name); };
  auto said = [&](const char* name) {
    std::string s(name);
    s.append("=").append(var(name));
    return s;
  };

  LaunchInfo info;
  if (int n = to_int(var("OMPI_COMM_WORLD_SIZE")); n > 0) {
    info = {"mpirun", n, said("OMPI_COMM_WORLD_SIZE")};
    return info;
  }
  // The batch script of an sbatch job is step "batch" (or its numeric id):
  // a program started there directly is one task, whatever SLURM_NTASKS says.
  const char* step = var("SLURM_STEP_ID");
  bool in_step = step != nullptr && *step != '\0' && std::string(step) != "batch" &&
                 std::string(step) != "extern" && std::string(step) != "4294967294" &&
                 std::string(step) != "4294967295";
  const char* slurm_n_name = var("SLURM_STEP_NUM_TASKS") != nullptr ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
  if (var("PMIX_RANK") != nullptr) {
    info.launcher = in_step ? "srun --mpi=pmix" : "PMIx";
    if (int n = to_int(var("PMI_SIZE")); n > 0) return {info.launcher, n, said("PMI_SIZE")};
    if (int n = to_int(var(slurm_n_name)); in_step && n > 0) return {info.launcher, n, said(slurm_n_name)};
    info.variable = said("PMIX_RANK");
    return info;
  }
  if (int n = to_int(var("PMI_SIZE")); n > 0) return {"PMI", n, said("PMI_SIZE")};
  if (in_step) {
    if (int n = to_int(var(slurm_n_name)); n > 0) return {"slurm step", n, said(slurm_n_name)};
    return {"slurm step", 1, said("SLURM_STEP_ID")};
  }
  return info;
}

std::optional<std::string> launch_mismatch(const LaunchInfo& launch, int world_size) {
  if (world_size != 1 || launch.tasks <= 1) return std::nullopt;
  std::string fix = launch.launcher.starts_with("srun") || launch.launcher == "slurm step"
                        ? "use srun --mpi=pmix (this Open MPI has no Slurm PMI support) or mpirun inside the allocation"
                        : "use srun --mpi=pmix or mpirun, and check that the program and mpirun come from the same MPI";
  std::string msg = "launched ";
  msg.append(std::to_string(launch.tasks)).append(" times (").append(launch.variable).append(", launcher ");
  msg.append(launch.launcher).append(") but MPI sees a world of one: every copy would run the whole job alone; ");
  msg.append(fix);
  return msg;
}

std::optional<std::string> launch_problem_before_init(const LaunchInfo& launch, bool open_mpi) {
  if (!open_mpi || launch.launcher != "slurm step" || launch.tasks <= 1) return std::nullopt;
  std::string msg = "srun started ";
  msg.append(std::to_string(launch.tasks)).append(" tasks (").append(launch.variable);
  msg.append(") with no MPI plugin (no PMIX_RANK or PMI_SIZE in the environment): this Open MPI cannot wire them "
             "into one world; use srun --mpi=pmix, or mpirun inside the allocation");
  return msg;
}

std::string affinity_string() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "unknown";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(cpu);
    if (last > cpu) out.append("-").append(std::to_string(last));
    cpu = last;
  }
  return out.empty() ? "none" : out;
}

}  // namespace cohort::cluster
