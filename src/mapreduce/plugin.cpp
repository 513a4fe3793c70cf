#include <cohort/core/error.hpp>
#include <cohort/mapreduce/plugin.hpp>

#include <mutex>
#include <utility>
#include <vector>

namespace cohort::mapreduce {
namespace {

// Every plugin a Job was created from stays loaded until the process exits: an
// exception thrown by job code carries type information and a destructor that
// live in the plugin, and it may well outlive the JobHandle (it unwinds through
// it). dlclose()ing the library under it would crash when the exception is
// freed. Deliberately leaked: no dlclose during static destruction either.
void keep_loaded(const plugin::Plugin& p) {
  static std::mutex* mutex = new std::mutex;
  static auto* kept = new std::vector<plugin::Plugin>;
  std::lock_guard lock(*mutex);
  for (const auto& k : *kept) {
    if (k.path() == p.path() && &k.descriptor() == &p.descriptor()) return;
  }
  kept->push_back(p);
}

}  // namespace

JobHandle::JobHandle(JobHandle&& other) noexcept
    : plugin_(std::move(other.plugin_)), job_(std::exchange(other.job_, nullptr)) {}

JobHandle& JobHandle::operator=(JobHandle&& other) noexcept {
  if (this != &other) {
    reset();
    plugin_ = std::move(other.plugin_);
    job_ = std::exchange(other.job_, nullptr);
  }
  return *this;
}

JobHandle::~JobHandle() { reset(); }

void JobHandle::reset() noexcept {
  if (job_ != nullptr) plugin_.descriptor().destroy(job_);  // the job before its library
  job_ = nullptr;
}

JobHandle create_job(const plugin::Plugin& plugin) {
  keep_loaded(plugin);
  void* raw = plugin.descriptor().create();
  if (raw == nullptr) throw PluginError(plugin.path().string(), "create() failed: the job's constructor threw");
  JobHandle h;
  h.plugin_ = plugin;
  h.job_ = static_cast<Job*>(raw);
  if (h.job_->name() != plugin.name()) {
    throw PluginError(plugin.path().string(), "the descriptor names job '" + std::string(plugin.name()) +
                                                  "' but its Job says '" + std::string(h.job_->name()) + "'");
  }
  return h;
}

JobHandle load_job(std::string_view name, const plugin::PluginPath& path) {
  const plugin::Plugin p = plugin::load(path.find(name));
  if (p.name() != name) {
    throw PluginError(p.path().string(), "holds job '" + std::string(p.name()) + "', not '" + std::string(name) + "'");
  }
  return create_job(p);
}

}  // namespace cohort::mapreduce
