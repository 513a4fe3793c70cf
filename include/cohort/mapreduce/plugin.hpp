#pragma once
/// Jobs as plugins: COHORT_JOB(JobClass) turns a Job class into the entry point
/// of a `libcohort_job_<name>.so` (built with cohort_add_job() from
/// cmake/CohortJob.cmake), and load_job()/create_job() turn such a plugin back
/// into a Job object.
///
///   // jobs/wordcount/wordcount.cpp
///   class WordCount : public cohort::mapreduce::TypedJob<WordCount, std::string, std::uint64_t> {
///    public:
///     static constexpr const char* kName = "wordcount";
///     static constexpr const char* kSummary = "count words";
///     static constexpr const char* kVersion = "1.0";
///     ...
///   };
///   COHORT_JOB(WordCount)
///
/// Thread safety: a JobHandle is one owner's (move-only); load_job() is not
/// synchronised (dlopen at start-up, like plugin::load()).
///
/// - COHORT_JOB needs `JobClass::kName`, `kSummary`, `kVersion` (const char*),
///   a default constructor, and JobClass derived from cohort::mapreduce::Job.
///   Built by cohort_add_job(name ...), kName must equal `name` (checked at compile time).
/// - create() never lets an exception cross the C boundary: it returns null,
///   and create_job() reports that as a PluginError.
/// - A JobHandle destroys the Job with the plugin's own destroy(). A plugin a
///   Job was created from is never unloaded before the process exits: an
///   exception thrown by job code (its type information lives in the plugin)
///   may outlive the JobHandle it unwound through.

#include <cohort/mapreduce/export.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/plugin/descriptor.h>
#include <cohort/plugin/fingerprint.hpp>
#include <cohort/plugin/loader.hpp>

#include <filesystem>
#include <string_view>
#include <vector>

namespace cohort::mapreduce {

/// Owns a Job created by a plugin, and the plugin.
class COHORT_MAPREDUCE_EXPORT JobHandle {
 public:
  JobHandle() = default;
  JobHandle(JobHandle&& other) noexcept;
  JobHandle& operator=(JobHandle&& other) noexcept;
  ~JobHandle();

  Job& operator*() const noexcept { return *job_; }
  Job* operator->() const noexcept { return job_; }
  Job* get() const noexcept { return job_; }
  explicit operator bool() const noexcept { return job_ != nullptr; }
  const plugin::Plugin& plugin() const noexcept { return plugin_; }

 private:
  friend COHORT_MAPREDUCE_EXPORT JobHandle create_job(const plugin::Plugin& plugin);
  void reset() noexcept;
  plugin::Plugin plugin_;
  Job* job_ = nullptr;
};

/// Creates the plugin's Job. Throws PluginError if create() fails or the names disagree.
COHORT_MAPREDUCE_EXPORT JobHandle create_job(const plugin::Plugin& plugin);

/// Finds `name` on `path` (plugin::PluginPath), loads it and creates its Job.
COHORT_MAPREDUCE_EXPORT JobHandle load_job(std::string_view name, const plugin::PluginPath& path);

namespace detail {
constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}
}  // namespace detail

}  // namespace cohort::mapreduce

#ifdef COHORT_JOB_TARGET_NAME
#define COHORT_JOB_CHECK_NAME_(JobClass)                                           \
  static_assert(::cohort::mapreduce::detail::same_name(JobClass::kName, COHORT_JOB_TARGET_NAME), \
                "JobClass::kName must equal the name given to cohort_add_job()");
#else
#define COHORT_JOB_CHECK_NAME_(JobClass)
#endif

/// Defines the plugin entry point for JobClass. Use once, at namespace scope, in one source.
#define COHORT_JOB(JobClass)                                                                             \
  COHORT_JOB_CHECK_NAME_(JobClass)                                                                       \
  static_assert(std::is_base_of_v<::cohort::mapreduce::Job, JobClass>, "COHORT_JOB needs a Job class"); \
  extern "C" __attribute__((visibility("default"))) const CohortPluginDescriptor* COHORT_PLUGIN_ENTRY() { \
    static const CohortPluginDescriptor descriptor = {                                                   \
        sizeof(CohortPluginDescriptor),                                                                  \
        COHORT_PLUGIN_ABI_VERSION,                                                                       \
        COHORT_BUILD_FINGERPRINT,                                                                        \
        JobClass::kName,                                                                                 \
        JobClass::kSummary,                                                                              \
        JobClass::kVersion,                                                                              \
        +[]() noexcept -> void* {                                                                        \
          try {                                                                                          \
            return static_cast<::cohort::mapreduce::Job*>(new JobClass());                               \
          } catch (...) {                                                                                \
            return nullptr;                                                                              \
          }                                                                                              \
        },                                                                                               \
        +[](void* job) noexcept { delete static_cast<::cohort::mapreduce::Job*>(job); },                 \
    };                                                                                                   \
    return &descriptor;                                                                                  \
  }
