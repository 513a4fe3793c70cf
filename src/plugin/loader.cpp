#include <cohort/core/error.hpp>
#include <cohort/plugin/fingerprint.hpp>
#include <cohort/plugin/loader.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace cohort::plugin {
namespace {

constexpr std::string_view kPrefix = "libcohort_job_";
constexpr std::string_view kSuffix = ".so";

// What a file starts with, to tell a user what they gave us instead of a plugin.
std::string sniff(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[4] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 4 && std::memcmp(head, "\x7f" "ELF", 4) == 0) return "an ELF file";
  if (in.gcount() == 0) return "an empty file";
  return "not an ELF shared library (it starts with no ELF header; a text file?)";
}

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

}  // namespace

std::string_view build_fingerprint() noexcept { return COHORT_BUILD_FINGERPRINT; }

std::string plugin_file_name(std::string_view job_name) {
  return std::string(kPrefix) + std::string(job_name) + std::string(kSuffix);
}

bool Plugin::fingerprint_differs() const noexcept {
  return descriptor_->fingerprint == nullptr || build_fingerprint() != descriptor_->fingerprint;
}

void check_descriptor(const CohortPluginDescriptor* d, const std::string& where) {
  if (d == nullptr) throw PluginError(where, "the entry point " COHORT_PLUGIN_ENTRY_NAME "() returned null");
  // size and abi_version are the first two fields of every ABI version: read
  // them before anything else.
  if (d->abi_version != COHORT_PLUGIN_ABI_VERSION) {
    throw PluginError(where, "plugin ABI version " + std::to_string(d->abi_version) + ", this cohort expects " +
                                 std::to_string(COHORT_PLUGIN_ABI_VERSION) +
                                 ": rebuild the plugin against this Cohort (" + std::string(build_fingerprint()) + ")");
  }
  if (d->size < sizeof(CohortPluginDescriptor)) {
    throw PluginError(where, "descriptor of " + std::to_string(d->size) + " bytes, expected at least " +
                                 std::to_string(sizeof(CohortPluginDescriptor)) + " for ABI version " +
                                 std::to_string(COHORT_PLUGIN_ABI_VERSION));
  }
  if (d->name == nullptr || d->name[0] == '\0') throw PluginError(where, "descriptor has no job name");
  if (d->create == nullptr || d->destroy == nullptr) {
    throw PluginError(where, "descriptor of job '" + std::string(d->name) + "' has no create/destroy function");
  }
}

Plugin load(const fs::path& file) {
  const std::string where = file.string();
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw PluginError(where, "no such file");
  if (!fs::is_regular_file(status)) throw PluginError(where, "not a regular file");

  dlerror();
  void* raw = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (raw == nullptr) {
    const std::string why = dl_error();
    throw PluginError(where, "cannot be loaded as a shared library (" + sniff(file) + "): " + why);
  }
  std::shared_ptr<void> handle(raw, [](void* h) { dlclose(h); });

  dlerror();
  void* sym = dlsym(raw, COHORT_PLUGIN_ENTRY_NAME);
  if (sym == nullptr) {
    throw PluginError(where, "no entry point " COHORT_PLUGIN_ENTRY_NAME
                             "(): a shared library, but not a Cohort job plugin "
                             "(build it with cohort_add_job() and COHORT_JOB(...))");
  }
  auto entry = reinterpret_cast<CohortPluginEntryFn>(sym);
  const CohortPluginDescriptor* d = entry();
  check_descriptor(d, where);

  Plugin p;
  p.path_ = file;
  p.handle_ = std::move(handle);
  p.descriptor_ = d;
  return p;
}

fs::path install_plugin_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&install_plugin_dir), &info) != 0 && info.dli_fname != nullptr) {
    std::error_code ec;
    fs::path lib = fs::canonical(info.dli_fname, ec);
    if (!ec) return lib.parent_path() / "cohort" / "jobs";
  }
  return {};
}

PluginPath::PluginPath(std::vector<fs::path> explicit_dirs) {
  for (auto& d : explicit_dirs) dirs_.push_back({std::move(d), "--plugin-path"});
  if (const char* env = std::getenv("COHORT_PLUGIN_PATH"); env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto part = rest.substr(0, colon);
      if (!part.empty()) dirs_.push_back({fs::path(part), "COHORT_PLUGIN_PATH"});
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (auto install = install_plugin_dir(); !install.empty()) dirs_.push_back({install, "install dir"});
}

std::vector<PluginPath::Found> PluginPath::list() const {
  std::vector<Found> found;
  std::set<std::string> seen;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string fname = it->path().filename().string();
      if (fname.size() > kPrefix.size() + kSuffix.size() && fname.starts_with(kPrefix) && fname.ends_with(kSuffix)) {
        files.push_back(it->path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string fname = f.filename().string();
      std::string job = fname.substr(kPrefix.size(), fname.size() - kPrefix.size() - kSuffix.size());
      if (seen.insert(job).second) found.push_back({std::move(job), f, dir.origin});
    }
  }
  return found;
}

fs::path PluginPath::find(std::string_view job) const {
  const std::string fname = plugin_file_name(job);
  for (const auto& dir : dirs_) {
    fs::path candidate = dir.path / fname;
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
  }
  std::string msg = "unknown job '" + std::string(job) + "'. ";
  const auto found = list();
  if (found.empty()) {
    msg += "No job plugins were found.";
  } else {
    msg += "Jobs found:";
    for (const auto& f : found) msg += "\n  " + f.job + "  (" + f.file.string() + ")";
  }
  msg += "\nSearched (in order):";
  for (const auto& d : dirs_) msg += "\n  " + d.path.string() + "  [" + d.origin + "]";
  if (dirs_.empty()) msg += " nothing (no --plugin-path, COHORT_PLUGIN_PATH or install dir)";
  throw PluginError(fname, msg);
}

}  // namespace cohort::plugin
