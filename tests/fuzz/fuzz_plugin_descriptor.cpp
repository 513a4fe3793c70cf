// Fuzz target: cohort::plugin::check_descriptor, the checks load() runs on the
// descriptor a plugin's entry point returns.
//
// The descriptor is built from fuzz bytes, but every pointer in it is one the
// harness chose (a fuzzed pointer would crash the harness, not the loader):
// strings are nullptr, "", or a fuzz-chosen text; create/destroy are null or a
// real function. The descriptor lives in a heap block of exactly the size it
// declares (at least the 8 bytes of size + abi_version every ABI has), so
// AddressSanitizer catches the loader reading a field the plugin does not have.
// Invariants: only cohort::PluginError escapes, and it names `where`; a
// descriptor that passes has the right ABI version and size, a name and both
// functions.

#include "fuzz_common.hpp"

#include <cohort/core/error.hpp>
#include <cohort/plugin/descriptor.h>
#include <cohort/plugin/loader.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace {

void* fake_create() { return nullptr; }
void fake_destroy(void*) {}

/// nullptr, "", or a fuzz-chosen text kept alive in `storage`.
const char* pick_text(cohort::fuzz::Choices& in, std::string& storage) {
  switch (in.byte() % 4) {
    case 0: return nullptr;
    case 1: return "";
    case 2: return "wordcount";
    default: storage = in.text(64); return storage.c_str();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cohort::fuzz::Choices in(data, size);
  const std::uint8_t shape = in.byte();

  CohortPluginDescriptor d{};
  // Mostly the right ABI version and size, so the later checks get reached.
  d.abi_version = (shape & 1) ? in.integer<std::uint32_t>() : COHORT_PLUGIN_ABI_VERSION;
  d.size = (shape & 2) ? in.integer<std::uint32_t>() % 256 : static_cast<std::uint32_t>(sizeof d);
  std::string fingerprint, name, summary, version;
  d.fingerprint = pick_text(in, fingerprint);
  d.name = pick_text(in, name);
  d.summary = pick_text(in, summary);
  d.version = pick_text(in, version);
  d.create = (shape & 4) ? nullptr : &fake_create;
  d.destroy = (shape & 8) ? nullptr : &fake_destroy;
  // A path has no NUL bytes (what() is read as a C string).
  std::string stem = in.text(32);
  std::replace(stem.begin(), stem.end(), '\0', '_');
  const std::string where = "/plugins/libcohort_job_" + stem + ".so";

  // A block of exactly the declared size (never less than the two leading fields).
  const std::size_t block = std::max<std::size_t>(d.size, 2 * sizeof(std::uint32_t));
  const std::unique_ptr<unsigned char[]> memory(new unsigned char[block]);
  std::memset(memory.get(), 0xA5, block);
  std::memcpy(memory.get(), &d, std::min(block, sizeof d));
  const auto* placed = (shape & 16) ? nullptr : reinterpret_cast<const CohortPluginDescriptor*>(memory.get());

  try {
    cohort::plugin::check_descriptor(placed, where);
  } catch (const cohort::PluginError& e) {
    COHORT_FUZZ_CHECK(e.path() == where);
    COHORT_FUZZ_CHECK(std::string_view(e.what()).find(where) != std::string_view::npos);
    return 0;
  }
  COHORT_FUZZ_CHECK(placed != nullptr);
  COHORT_FUZZ_CHECK(d.abi_version == COHORT_PLUGIN_ABI_VERSION);
  COHORT_FUZZ_CHECK(d.size >= sizeof d);
  COHORT_FUZZ_CHECK(d.name != nullptr && d.name[0] != '\0');
  COHORT_FUZZ_CHECK(d.create != nullptr && d.destroy != nullptr);
  return 0;
}
