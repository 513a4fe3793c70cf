#pragma once
// Shared by the mapreduce tests: a scratch directory per test, file helpers,
// and an expect-error helper.

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

namespace cohort::mapreduce::test {

namespace fs = std::filesystem;

class Scratch : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = fs::temp_directory_path() / ("cohort-mr-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path write(const std::string& rel, const std::string& text) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  fs::path dir_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Files in `dir` whose name contains "cohort-tmp" (left-over temporary outputs).
inline int temp_files_in(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find("cohort-tmp") != std::string::npos;
  return n;
}

/// Runs fn, expecting a cohort::Error of `code` whose message holds every fragment.
template <class Fn>
void expect_error(Fn&& fn, Errc code, std::initializer_list<std::string> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected a cohort::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errc(), code) << e.what();
    const std::string what = e.what();
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
}

}  // namespace cohort::mapreduce::test
