// The local engine: splits -> map on a ThreadPool -> reduce partitions on the
// pool -> write. Also the steps every engine shares (configure_job).

#include <cohort/core/error.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/thread_pool.hpp>
#include <cohort/mapreduce/engine.hpp>

#include "job_inputs.hpp"
#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>

namespace cohort::mapreduce {
using detail::parallel_for;

Options configure_job(Job& job, const OptionValues& values) {
  Options opts = parse_options(job.name(), job.options(), values);
  job.configure(opts);
  return opts;
}

std::vector<InputFile> detail::job_inputs(const Job& job, const RunConfig& cfg, RunResult& result) {
  std::vector<InputFile> files;
  if (job.input_kind() == InputKind::files) {
    files = collect_inputs(cfg.inputs);
  } else if (!cfg.inputs.empty()) {
    throw Error(Errc::invalid_argument, "job '" + std::string(job.name()) + "' computes its data and takes no --input");
  }
  result.input_files = files.size();
  for (const auto& f : files) result.input_bytes += f.size;
  return files;
}

RunResult run_local(Job& job, const RunConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  check_output_path(cfg.output);
  configure_job(job, cfg.options);

  core::ThreadPool pool(cfg.threads);
  RunResult result;
  result.output = cfg.output;
  result.threads = pool.size();

  const std::vector<InputFile> files = detail::job_inputs(job, cfg, result);

  SplitOptions so;
  so.split_bytes = cfg.split_bytes != 0 ? cfg.split_bytes : auto_split_bytes(result.input_bytes, result.threads);
  so.splits = cfg.splits;
  so.parallelism = result.threads;
  const std::vector<Split> splits = job.split(files, so);
  if (splits.empty()) throw Error(Errc::invalid_argument, "job '" + std::string(job.name()) + "' made no splits: nothing to do");
  result.splits = splits.size();

  const std::uint32_t partitions =
      cfg.partitions != 0 ? cfg.partitions
                          : (job.key_space() == KeySpace::small ? 1u : static_cast<std::uint32_t>(2 * result.threads));
  result.partitions = partitions;

  auto report = [&](std::string_view phase, unsigned round, std::uint64_t total) -> std::function<void(std::size_t)> {
    if (!cfg.on_progress) return {};
    return [&cfg, phase, round, total](std::size_t done) { cfg.on_progress(Progress{phase, round, done, total}); };
  };

  std::vector<ReduceOutput> reduced(partitions);
  std::vector<std::string_view> outputs(partitions);
  for (unsigned round = 0;; ++round) {
    std::vector<MapOutput> mapped(splits.size());
    parallel_for(
        pool, splits.size(), [&](std::size_t i) { mapped[i] = job.map_split(splits[i], partitions); },
        report("map", round, splits.size()));
    for (const auto& m : mapped) {
      result.map_records += m.records;
      result.combined_keys += m.keys;
      if (m.partitions.size() != partitions) {
        throw Error(Errc::invalid_state, "job '" + std::string(job.name()) + "': map_split returned " +
                                             std::to_string(m.partitions.size()) + " partitions, expected " +
                                             std::to_string(partitions));
      }
    }
    parallel_for(
        pool, partitions,
        [&](std::size_t p) {
          std::vector<std::string_view> blocks;
          for (const auto& m : mapped) {
            if (!m.partitions[p].empty()) blocks.push_back(m.partitions[p]);
          }
          reduced[p] = job.reduce_partition(blocks);
        },
        report("reduce", round, partitions));
    mapped.clear();
    result.reduced_keys = 0;
    result.output_records = 0;
    for (std::uint32_t p = 0; p < partitions; ++p) {
      outputs[p] = reduced[p].records;
      result.reduced_keys += reduced[p].keys;
      result.output_records += reduced[p].outputs;
    }
    result.rounds = round + 1;
    if (!job.iterative() || !job.advance(outputs)) break;
  }

  if (cfg.on_progress) cfg.on_progress(Progress{"write", result.rounds - 1, 0, 1});
  AtomicFile out(cfg.output);
  job.write_output(outputs, out);
  out.commit();
  if (cfg.on_progress) cfg.on_progress(Progress{"write", result.rounds - 1, 1, 1});
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace cohort::mapreduce
