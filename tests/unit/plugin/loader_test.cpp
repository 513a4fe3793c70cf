#include <cohort/core/error.hpp>
#include <cohort/plugin/loader.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using cohort::PluginError;
using namespace cohort::plugin;

namespace {

const fs::path kDir = COHORT_TEST_PLUGIN_DIR;

// Runs `fn`, expecting a PluginError whose message contains every fragment.
template <class Fn>
void expect_plugin_error(Fn fn, std::initializer_list<std::string> fragments) {
  try {
    fn();
    FAIL() << "expected a PluginError";
  } catch (const PluginError& e) {
    const std::string what = e.what();
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
}

class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cohort-plugin-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    unsetenv("COHORT_PLUGIN_PATH");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

}  // namespace

TEST(PluginLoad, LoadsAGoodPluginAndCreatesItsJob) {
  Plugin p = load(kDir / "libcohort_job_good.so");
  EXPECT_EQ(p.name(), "good");
  EXPECT_EQ(p.descriptor().abi_version, COHORT_PLUGIN_ABI_VERSION);
  EXPECT_FALSE(p.fingerprint_differs()) << p.descriptor().fingerprint << " vs " << build_fingerprint();
  void* job = p.descriptor().create();
  EXPECT_EQ(*static_cast<int*>(job), 42);
  p.descriptor().destroy(job);
}

TEST(PluginLoad, WrongAbiVersionNamesFileAndBothVersions) {
  const auto file = kDir / "libcohort_job_wrongabi.so";
  expect_plugin_error([&] { load(file); },
                      {file.string(), "plugin ABI version 99", "expects " + std::to_string(COHORT_PLUGIN_ABI_VERSION)});
}

TEST(PluginLoad, DescriptorTooSmallIsRefused) {
  expect_plugin_error([&] { load(kDir / "libcohort_job_small.so"); }, {"descriptor of 8 bytes"});
}

TEST(PluginLoad, SharedLibraryWithoutEntryPointIsNotAPlugin) {
  const auto file = kDir / "libcohort_job_noentry.so";
  expect_plugin_error([&] { load(file); }, {file.string(), "no entry point cohort_plugin_descriptor"});
}

TEST_F(ScratchDir, TextFileNamedSoIsRefusedClearly) {
  const auto file = dir_ / "libcohort_job_text.so";
  std::ofstream(file) << "this is not a library\n";
  expect_plugin_error([&] { load(file); }, {file.string(), "not an ELF shared library"});
}

TEST_F(ScratchDir, MissingFileAndDirectoryAreRefused) {
  expect_plugin_error([&] { load(dir_ / "libcohort_job_none.so"); }, {"no such file"});
  expect_plugin_error([&] { load(dir_); }, {"not a regular file"});
}

TEST(PluginCheck, NullDescriptorIsAnError) {
  expect_plugin_error([] { check_descriptor(nullptr, "here.so"); }, {"here.so", "returned null"});
}

TEST_F(ScratchDir, SearchOrderIsExplicitThenEnvironmentThenInstallDir) {
  const fs::path a = dir_ / "a", b = dir_ / "b";
  fs::create_directories(a);
  fs::create_directories(b);
  fs::copy_file(kDir / "libcohort_job_good.so", a / "libcohort_job_good.so");
  fs::copy_file(kDir / "libcohort_job_good.so", b / "libcohort_job_good.so");
  fs::copy_file(kDir / "libcohort_job_good.so", b / "libcohort_job_other.so");
  setenv("COHORT_PLUGIN_PATH", (b.string() + "::" + "/nonexistent").c_str(), 1);
  PluginPath path({a});
  ASSERT_GE(path.dirs().size(), 3u);
  EXPECT_EQ(path.dirs()[0].origin, "--plugin-path");
  EXPECT_EQ(path.dirs()[1].path, b);
  EXPECT_EQ(path.dirs()[1].origin, "COHORT_PLUGIN_PATH");
  EXPECT_EQ(path.dirs()[2].origin, "COHORT_PLUGIN_PATH");
  EXPECT_EQ(path.find("good"), a / "libcohort_job_good.so");
  EXPECT_EQ(path.find("other"), b / "libcohort_job_other.so");
  const auto found = path.list();
  ASSERT_GE(found.size(), 2u);
  EXPECT_EQ(found[0].job, "good");
  EXPECT_EQ(found[0].file, a / "libcohort_job_good.so");  // first occurrence wins
  unsetenv("COHORT_PLUGIN_PATH");
}

TEST_F(ScratchDir, CurrentDirectoryIsNotSearchedUnlessNamed) {
  fs::copy_file(kDir / "libcohort_job_good.so", dir_ / "libcohort_job_cwdonly.so");
  const auto old = fs::current_path();
  fs::current_path(dir_);
  PluginPath path;
  expect_plugin_error([&] { path.find("cwdonly"); }, {"unknown job 'cwdonly'", "Searched (in order)"});
  PluginPath named({"."});
  EXPECT_EQ(named.find("cwdonly"), fs::path(".") / "libcohort_job_cwdonly.so");
  fs::current_path(old);
}

TEST_F(ScratchDir, UnknownJobListsTheJobsFoundAndWhere) {
  fs::copy_file(kDir / "libcohort_job_good.so", dir_ / "libcohort_job_alpha.so");
  PluginPath path({dir_});
  expect_plugin_error([&] { path.find("beta"); },
                      {"unknown job 'beta'", "alpha", (dir_ / "libcohort_job_alpha.so").string(), "--plugin-path"});
}

TEST(PluginPathInstallDir, IsBesideThisLibrary) {
  const fs::path dir = install_plugin_dir();
  EXPECT_EQ(dir.filename(), "jobs");
  EXPECT_EQ(dir.parent_path().filename(), "cohort");
}
