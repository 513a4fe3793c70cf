// `cohort run JOB ...`: every rank builds the same runtime (SPMD); rank 0 loads
// the job, checks options and paths, and runs it over the workers; the others
// serve tasks until rank 0 shuts down. The one TU that includes the (heavy)
// ClusterExecutor header.
#include "commands.hpp"

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/distributed.hpp>
#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/plugin/loader.hpp>
#include <cohort/wire/registry.hpp>

#include <cstdio>

namespace cohort::cli {

namespace {

mapreduce::RunResult run_on_root(cluster::ClusterExecutor& ex, const plugin::PluginPath& path, const RunOptions& o,
                                 RunObserver& observer) {
  mapreduce::JobHandle job = mapreduce::load_job(o.job, path);
  if (job->input_kind() == mapreduce::InputKind::files && o.inputs.empty()) {
    throw Error(Errc::invalid_argument, "job '" + o.job + "' reads files: give at least one --input PATH");
  }
  mapreduce::check_output_path(o.output);
  observer.check_paths();
  mapreduce::RunConfig cfg;
  cfg.on_progress = [&observer](const mapreduce::Progress& p) { observer.on_progress(p); };
  cfg.inputs = o.inputs;
  cfg.output = o.output;
  cfg.threads = o.threads;
  cfg.options = o.job_options;
  apply_journal_options(o.journal, cfg);
  mapreduce::RunResult r = mapreduce::run_distributed(ex, *job, cfg);
  report_resumed(r, cfg, o.quiet);
  return r;
}

}  // namespace

int run_job(const RunOptions& o) {
  const plugin::PluginPath path(o.common.plugin_path);
  wire::Registry registry;
  mapreduce::register_tasks(registry, mapreduce::plugin_resolver(path));
  cluster::ClusterOptions copts;
  copts.threads = o.threads;
  RunObserver observer(o.observe, launcher_rank() == 0);  // outlives the executor: it holds the observers
  observer.configure(copts);
  limit_dispatch_ahead(copts);
  install_stop_signals(o.journal, launcher_rank() == 0);  // before the runtime's threads exist
  cluster::ClusterExecutor ex(registry, copts);  // collective: every rank
  set_stop_role(ex.is_root());

  if (!ex.is_root()) {
    // Workers serve until rank 0 says stop, then exit 0: rank 0 carries the
    // run's verdict (workers report their problems to it). A worker exiting
    // non-zero first would make mpirun kill rank 0 before it wrote its output,
    // trace or report.
    ex.serve();
    return status::kOk;
  }

  int rc = status::kOk;
  observer.start();
  try {
    const mapreduce::RunResult r = run_on_root(ex, path, o, observer);
    observer.end();
    if (!o.quiet) {
      std::fprintf(stderr,
                   "cohort: %s: %llu file(s), %.1f MB, %llu split(s), %d rank(s) x %zu thread(s), %s, %.3f s -> "
                   "%s (%llu records)\n",
                   o.job.c_str(), static_cast<unsigned long long>(r.input_files),
                   static_cast<double>(r.input_bytes) / 1e6, static_cast<unsigned long long>(r.splits), ex.size(),
                   ex.options().threads ? ex.options().threads : r.threads,
                   r.shuffle == mapreduce::RunConfig::Shuffle::gather ? "gathered"
                   : r.shuffle == mapreduce::RunConfig::Shuffle::mpi  ? "shuffled over MPI"
                                                                       : "shuffled through files",
                   r.seconds, r.output.c_str(),
                   static_cast<unsigned long long>(r.output_records));
    }
  } catch (const mapreduce::StoppedEarly& e) {
    observer.end();
    rc = report_stopped(e);  // 75: rerun to resume
    ex.shutdown(true, true);
  } catch (const std::exception& e) {
    observer.end();
    rc = report_error(e);
    ex.shutdown(true, true);  // cancel what is queued; workers drain and stop
  }
  ex.shutdown();
  const int runtime_rc = ex.serve();
  const int observe_rc = observer.finish(o.job);  // every event is in: summary, --trace, --report, --stats
  return rc != status::kOk ? rc : runtime_rc != status::kOk ? runtime_rc : observe_rc;
}

}  // namespace cohort::cli
