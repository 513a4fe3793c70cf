// `cohort run JOB ...`: load the job's plugin, check options and paths, run it.
#include "commands.hpp"

#include <cohort/cluster/launch.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/plugin/loader.hpp>

#include <cstdio>
#include <iostream>

namespace cohort::cli {

int run_job(const RunOptions& o) {
  const plugin::PluginPath path(o.common.plugin_path);
  mapreduce::JobHandle job = mapreduce::load_job(o.job, path);

  if (job->input_kind() == mapreduce::InputKind::files && o.inputs.empty()) {
    throw Error(Errc::invalid_argument, "job '" + o.job + "' reads files: give at least one --input PATH");
  }
  mapreduce::check_output_path(o.output);

  const auto launch = cluster::detect_launch();
  if (launch.tasks > 1) {
    throw Error(Errc::invalid_argument,
                "this build of cohort runs jobs in one process only; it was launched as " +
                    std::to_string(launch.tasks) + " tasks (" + launch.variable + "). Run it without mpirun/srun.");
  }

  mapreduce::RunConfig cfg;
  cfg.inputs = o.inputs;
  cfg.output = o.output;
  cfg.threads = o.threads;
  cfg.options = o.job_options;
  const mapreduce::RunResult r = mapreduce::run_local(*job, cfg);
  if (!o.quiet) {
    std::fprintf(stderr, "cohort: %s: %llu file(s), %.1f MB, %llu split(s), %zu thread(s), %.3f s -> %s (%llu records)\n",
                 o.job.c_str(), static_cast<unsigned long long>(r.input_files), static_cast<double>(r.input_bytes) / 1e6,
                 static_cast<unsigned long long>(r.splits), r.threads, r.seconds, r.output.c_str(),
                 static_cast<unsigned long long>(r.output_records));
  }
  return status::kOk;
}

}  // namespace cohort::cli
