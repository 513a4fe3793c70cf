// cohort-generate: exact sizes and counts, the same bytes for any --threads,
// and its text is what wordcount counts.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>

#include "test_util.hpp"

#include <sys/wait.h>

#include <cctype>
#include <map>

using namespace cohort::mapreduce;
using test::read_file;
using test::Scratch;
namespace fs = std::filesystem;

namespace {
int generate(const std::string& args) {
  const int status = std::system((std::string(COHORT_TEST_GENERATE) + " " + args + " 2>/dev/null").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

using GenerateTest = Scratch;

TEST_F(GenerateTest, TextHasTheExactSizeAndTheSameBytesForAnyThreads) {
  const auto a = dir_ / "a.txt", b = dir_ / "b.txt", c = dir_ / "c.txt";
  ASSERT_EQ(generate("text --size 9000001 --seed 3 --threads 1 --output " + a.string()), 0);
  ASSERT_EQ(generate("text --size 9000001 --seed 3 --threads 3 --output " + b.string()), 0);
  ASSERT_EQ(generate("text --size=9000001 --seed=4 --output=" + c.string()), 0);
  EXPECT_EQ(fs::file_size(a), 9000001u);
  const std::string ta = read_file(a);
  EXPECT_EQ(ta, read_file(b));
  EXPECT_NE(ta, read_file(c));
  EXPECT_EQ(ta.find('\0'), std::string::npos);
  EXPECT_EQ(ta.back(), '\n');
  EXPECT_FALSE(fs::exists(dir_ / "a.txt.partial"));

  // Zipf: the most frequent word is far more frequent than the 100th.
  JobHandle wc = load_job("wordcount", cohort::plugin::PluginPath({COHORT_TEST_JOBS_DIR}));
  RunConfig cfg;
  cfg.inputs = {a};
  cfg.output = dir_ / "counts.tsv";
  cfg.split_bytes = 1 << 20;
  cfg.threads = 2;
  cfg.options = {{"top", "100"}};
  run_local(*wc, cfg);
  std::istringstream counts(read_file(cfg.output));
  std::vector<std::uint64_t> freq;
  std::string word;
  std::uint64_t n = 0;
  while (counts >> word >> n) freq.push_back(n);
  ASSERT_EQ(freq.size(), 100u);
  EXPECT_GT(freq[0], 20 * freq[99]);
}

TEST_F(GenerateTest, PointsHaveTheExactCountAndDimensions) {
  const auto a = dir_ / "p1.csv", b = dir_ / "p2.csv";
  ASSERT_EQ(generate("points --count 200000 --dims 3 --clusters 4 --seed 2 --threads 1 --output " + a.string()), 0);
  ASSERT_EQ(generate("points --count 200000 --dims 3 --clusters 4 --seed 2 --threads 2 --output " + b.string()), 0);
  const std::string text = read_file(a);
  EXPECT_EQ(text, read_file(b));
  std::istringstream in(text);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(std::count(line.begin(), line.end(), ','), 2) << line;
  }
  EXPECT_EQ(lines, 200000u);
}

TEST_F(GenerateTest, BadArgumentsFailWithUsage) {
  EXPECT_EQ(generate("words --output x"), 2);
  EXPECT_EQ(generate("text --size 10"), 2);                       // no --output
  EXPECT_EQ(generate("text --size 10Q --output " + (dir_ / "x").string()), 2);
  EXPECT_EQ(generate("points --count 5 --dims 0 --output " + (dir_ / "x").string()), 2);
  EXPECT_EQ(generate("text --size 10 --colour red --output " + (dir_ / "x").string()), 2);
  EXPECT_EQ(generate("text --size 10 --output " + (dir_ / "no/such/dir/x").string()), 1);
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}
