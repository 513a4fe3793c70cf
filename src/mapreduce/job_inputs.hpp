#pragma once
// A step both engines take (defined in engine_local.cpp, beside configure_job).

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/mapreduce/split.hpp>

#include <vector>

namespace cohort::mapreduce::detail {

/// The job's input files (collect_inputs(cfg.inputs)) when it reads files;
/// none, and an Error(invalid_argument) if --input was given anyway, when it
/// computes its data. Sets result.input_files and result.input_bytes.
std::vector<InputFile> job_inputs(const Job& job, const RunConfig& cfg, RunResult& result);

}  // namespace cohort::mapreduce::detail
