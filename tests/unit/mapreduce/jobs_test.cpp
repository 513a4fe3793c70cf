// The bundled jobs, loaded as plugins the way `cohort run` loads them, checked
// against values computed here by other means, and against their sample data.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>

#include "test_util.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

using namespace cohort::mapreduce;
using cohort::Errc;
using test::read_file;
using test::Scratch;
namespace fs = std::filesystem;

namespace {

const fs::path kJobsDir = COHORT_TEST_JOBS_DIR;      // built plugins
const fs::path kSourceJobs = COHORT_TEST_SOURCE_JOBS;  // jobs/<name>/sample

JobHandle job(std::string_view name) { return load_job(name, cohort::plugin::PluginPath({kJobsDir})); }

// Reference word counts: a character loop (not the reader's run scan).
std::map<std::string, std::uint64_t> count_words(const std::string& text) {
  std::map<std::string, std::uint64_t> counts;
  std::string word;
  for (char c : text + " ") {
    const auto u = static_cast<unsigned char>(c);
    if (u < 128 && std::isalnum(u)) {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  return counts;
}

std::string wordcount_tsv(const std::map<std::string, std::uint64_t>& counts, std::size_t top = 0) {
  std::vector<std::pair<std::uint64_t, std::string>> v;
  for (const auto& [w, n] : counts) v.emplace_back(n, w);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (top != 0 && v.size() > top) v.resize(top);
  std::string out;
  for (const auto& [n, w] : v) out += w + "\t" + std::to_string(n) + "\n";
  return out;
}

}  // namespace

class JobsTest : public Scratch {
 protected:
  std::string run(std::string_view name, std::vector<fs::path> inputs, std::size_t threads = 2,
                  std::uint64_t split_bytes = 0, OptionValues options = {}, std::uint64_t splits = 0) {
    JobHandle j = job(name);
    RunConfig cfg;
    cfg.inputs = std::move(inputs);
    cfg.output = dir_ / "out.txt";
    cfg.threads = threads;
    cfg.split_bytes = split_bytes;
    cfg.splits = splits;
    cfg.options = std::move(options);
    last_ = run_local(*j, cfg);
    return read_file(cfg.output);
  }
  RunResult last_;
};

TEST_F(JobsTest, PluginsLoadWithTheirDescriptors) {
  for (const char* name : {"wordcount"}) {
    JobHandle j = job(name);
    EXPECT_EQ(j->name(), name);
    EXPECT_EQ(j.plugin().name(), name);
    EXPECT_FALSE(j.plugin().fingerprint_differs());
    EXPECT_NE(std::string(j.plugin().descriptor().summary), "");
  }
}

TEST_F(JobsTest, WordCountMatchesAReferenceForAnyThreadsAndSplits) {
  std::string all;
  std::string text;
  for (int i = 0; i < 300; ++i) text += "Word" + std::to_string(i % 37) + " the THE a-b-c, x" + std::to_string(i * i % 11) + "\n";
  write("in/a.txt", text);
  all += text;
  write("in/deep/b.md", "Straddle straddle STRADDLE\n\tend");
  all += "Straddle straddle STRADDLE\n\tend";
  const std::string expected = wordcount_tsv(count_words(all));
  for (std::size_t threads = 1; threads <= 4; ++threads) {
    for (std::uint64_t split : {1ull, 3ull, 64ull, 4096ull, 0ull}) {
      ASSERT_EQ(run("wordcount", {dir_ / "in"}, threads, split), expected) << threads << " threads, split " << split;
    }
  }
  EXPECT_EQ(run("wordcount", {dir_ / "in"}, 3, 100, {{"top", "5"}}), wordcount_tsv(count_words(all), 5));
  test::expect_error([&] { run("wordcount", {dir_ / "in"}, 1, 0, {{"top", "-1"}}); }, Errc::invalid_argument, {"--top"});
}

TEST_F(JobsTest, WordCountSampleMatchesItsExpectedFile) {
  const fs::path sample = kSourceJobs / "wordcount/sample";
  EXPECT_EQ(run("wordcount", {sample / "docs"}, 3, 512), read_file(sample / "expected.tsv"));
}
