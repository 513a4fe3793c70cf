#include "commands.hpp"

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/plugin/loader.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace cohort::cli {

namespace fs = std::filesystem;

int list_jobs(const CommonOptions& common) {
  const plugin::PluginPath path(common.plugin_path);
  const auto found = path.list();
  if (found.empty()) {
    std::cout << "No job plugins found. Searched:\n";
    for (const auto& d : path.dirs()) std::cout << "  " << d.path.string() << "  [" << d.origin << "]\n";
    return status::kOk;
  }
  std::size_t width = 4;
  for (const auto& f : found) width = std::max(width, f.job.size());
  for (const auto& f : found) {
    std::string summary;
    try {
      summary = plugin::load(f.file).descriptor().summary;
    } catch (const std::exception& e) {
      summary = std::string("(cannot be loaded: ") + e.what() + ")";
    }
    std::printf("%-*s  %s\n%-*s  %s  [%s]\n", static_cast<int>(width), f.job.c_str(), summary.c_str(),
                static_cast<int>(width), "", f.file.c_str(), f.origin.c_str());
  }
  return status::kOk;
}

int show_info(const CommonOptions& common, const std::string& job_or_file) {
  const bool is_file = job_or_file.find('/') != std::string::npos || job_or_file.ends_with(".so");
  const fs::path file = is_file ? fs::path(job_or_file) : plugin::PluginPath(common.plugin_path).find(job_or_file);
  const plugin::Plugin p = plugin::load(file);
  const auto& d = p.descriptor();
  std::cout << "job:          " << d.name << "\n"
            << "summary:      " << (d.summary ? d.summary : "") << "\n"
            << "version:      " << (d.version ? d.version : "") << "\n"
            << "file:         " << p.path().string() << "\n"
            << "plugin ABI:   " << d.abi_version << " (this cohort: " << COHORT_PLUGIN_ABI_VERSION << ")\n"
            << "descriptor:   " << d.size << " bytes\n"
            << "built with:   " << (d.fingerprint ? d.fingerprint : "(none)") << "\n";
  if (p.fingerprint_differs()) {
    std::cout << "              (differs from this cohort: " << plugin::build_fingerprint() << ")\n";
  }
  const auto job = mapreduce::create_job(p);
  const auto specs = job->options();
  std::cout << "input:        " << (job->input_kind() == mapreduce::InputKind::files ? "files (--input)" : "none")
            << "\noptions:" << (specs.empty() ? "      none\n" : "\n");
  for (const auto& s : specs) {
    std::cout << "  --" << s.name << " <" << mapreduce::to_string(s.type) << ">  " << s.help;
    if (!s.default_value.empty()) std::cout << " (default: " << s.default_value << ")";
    std::cout << "\n";
  }
  return status::kOk;
}

int report_error(const std::exception& e, bool print) {
  if (print) std::cerr << "cohort: error: " << e.what() << "\n";
  const auto* err = dynamic_cast<const Error*>(&e);
  if (err == nullptr) return status::kInternal;
  switch (err->errc()) {
    case Errc::invalid_argument:
    case Errc::unknown_task:
      return status::kUsage;
    case Errc::io_error:
    case Errc::journal_mismatch:
      return status::kInput;
    case Errc::plugin_error:
      return std::string_view(e.what()).find("unknown job") != std::string_view::npos ? status::kUsage
                                                                                        : status::kPlugin;
    case Errc::remote_error:
    case Errc::timeout:
    case Errc::cancelled:
      return status::kTasksFailed;
    default:
      return status::kInternal;
  }
}

}  // namespace cohort::cli
