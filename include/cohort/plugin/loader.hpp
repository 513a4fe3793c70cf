#pragma once
/// Finding and loading job plugins (`libcohort_job_<name>.so`).
///
/// Thread safety: a Plugin is immutable after load and may be shared between
/// threads; PluginPath and the free functions are not synchronised (use them
/// from one thread at start-up, like dlopen itself should be).
///
/// - Search order: `--plugin-path` dirs, then COHORT_PLUGIN_PATH (':'-separated),
///   then the install dir (<prefix>/lib/cohort/jobs, found relative to this
///   library). Never the current directory unless it is named.
/// - load() checks, in order: the file exists and is a regular file; dlopen
///   (RTLD_NOW | RTLD_LOCAL) succeeds; the entry point exists; the descriptor's
///   size and ABI version match. Each failure is a PluginError naming the file
///   and what was expected vs found.

#include <cohort/plugin/descriptor.h>
#include <cohort/plugin/export.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::plugin {

/// The fingerprint this build of Cohort writes into plugins and compares.
COHORT_PLUGIN_EXPORT std::string_view build_fingerprint() noexcept;

/// File name of the plugin for job `name`: "libcohort_job_<name>.so".
COHORT_PLUGIN_EXPORT std::string plugin_file_name(std::string_view job_name);

/// A loaded plugin. Keeps the library mapped while any copy lives.
class COHORT_PLUGIN_EXPORT Plugin {
 public:
  const std::filesystem::path& path() const noexcept { return path_; }
  const CohortPluginDescriptor& descriptor() const noexcept { return *descriptor_; }
  std::string_view name() const noexcept { return descriptor_->name; }
  /// True when the plugin's fingerprint differs from build_fingerprint():
  /// loadable (same ABI version) but built by another compiler or Cohort.
  bool fingerprint_differs() const noexcept;

 private:
  friend COHORT_PLUGIN_EXPORT Plugin load(const std::filesystem::path& file);
  std::filesystem::path path_;
  std::shared_ptr<void> handle_;  // dlclose on last release
  const CohortPluginDescriptor* descriptor_ = nullptr;
};

/// Loads and checks one plugin file. Throws cohort::PluginError.
COHORT_PLUGIN_EXPORT Plugin load(const std::filesystem::path& file);

/// Checks a descriptor as load() does, without a library (used by load() and
/// by the fuzz target). Throws cohort::PluginError naming `where`.
COHORT_PLUGIN_EXPORT void check_descriptor(const CohortPluginDescriptor* d, const std::string& where);

/// The directories searched, in order, and where each came from.
class COHORT_PLUGIN_EXPORT PluginPath {
 public:
  struct Dir {
    std::filesystem::path path;
    std::string origin;  // "--plugin-path", "COHORT_PLUGIN_PATH", "install dir"
  };

  /// `explicit_dirs` from --plugin-path; reads COHORT_PLUGIN_PATH from the environment.
  explicit PluginPath(std::vector<std::filesystem::path> explicit_dirs = {});

  const std::vector<Dir>& dirs() const noexcept { return dirs_; }

  /// Every `libcohort_job_*.so` found, first occurrence of a name wins.
  struct Found {
    std::string job;
    std::filesystem::path file;
    std::string origin;
  };
  std::vector<Found> list() const;

  /// Path of the plugin for `job`. Throws PluginError listing the jobs found and
  /// the directories searched when there is none.
  std::filesystem::path find(std::string_view job) const;

 private:
  std::vector<Dir> dirs_;
};

/// The install dir for plugins (<prefix>/lib/cohort/jobs), derived from where
/// libcohort_plugin.so itself lives (works in the build tree too).
COHORT_PLUGIN_EXPORT std::filesystem::path install_plugin_dir();

}  // namespace cohort::plugin
