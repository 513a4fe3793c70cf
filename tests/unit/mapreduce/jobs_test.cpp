// The bundled jobs, loaded as plugins the way `cohort run` loads them, checked
// against values computed here by other means, and against their sample data.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>

#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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
  for (const char* name : {"wordcount", "invindex", "kmeans", "pi"}) {
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

TEST_F(JobsTest, SamplesMatchTheirExpectedFiles) {
  const fs::path jobs = kSourceJobs;
  EXPECT_EQ(run("wordcount", {jobs / "wordcount/sample/docs"}, 3, 512), read_file(jobs / "wordcount/sample/expected.tsv"));
  EXPECT_EQ(run("invindex", {jobs / "invindex/sample/docs"}, 2, 100), read_file(jobs / "invindex/sample/expected.tsv"));
  EXPECT_EQ(run("kmeans", {jobs / "kmeans/sample/points.csv"}, 4, 4096, {{"k", "4"}, {"iterations", "50"}, {"tolerance", "1e-9"}}),
            read_file(jobs / "kmeans/sample/expected.csv"));
  EXPECT_EQ(run("pi", {}, 3, 0, {{"samples", "5000000"}, {"seed", "1"}}), read_file(jobs / "pi/sample/expected.txt"));
}

TEST_F(JobsTest, InvertedIndexMatchesAReference) {
  const std::vector<std::pair<std::string, std::string>> docs = {
      {"a.txt", "apple banana\ncherry apple"},
      {"sub/b.txt", "Banana; date, APPLE"},
      {"sub/c,d.txt", "cherry\tfig"},
      {"e.txt", ""},
  };
  std::map<std::string, std::set<std::string>> ref;
  for (const auto& [name, text] : docs) {
    write("in/" + name, text);
    for (const auto& [w, n] : count_words(text)) ref[w].insert(name);
  }
  std::string expected;
  for (const auto& [w, files] : ref) {
    expected += w + "\t";
    bool first = true;
    for (std::string f : files) {
      if (f == "sub/c,d.txt") f = "sub/c\\,d.txt";  // a comma in a name is escaped
      expected += (first ? "" : ",") + f;
      first = false;
    }
    expected += "\n";
  }
  for (std::size_t threads : {1u, 2u, 4u}) {
    for (std::uint64_t split : {1ull, 4ull, 1000ull}) {
      ASSERT_EQ(run("invindex", {dir_ / "in"}, threads, split), expected) << threads << " threads, split " << split;
    }
  }
}

namespace {
// Points around three well separated centres, written with 6 decimals.
std::string blobs(int n) {
  std::string s = "x,y,z\n";  // a header line
  const double centre[3][3] = {{0, 0, 0}, {20, 20, 0}, {-20, 5, 30}};
  std::uint64_t state = 12345;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53 - 0.5;
  };
  char buf[128];
  for (int i = 0; i < n; ++i) {
    const double* c = centre[i % 3];
    std::snprintf(buf, sizeof buf, "%.6f, %.6f,%.6f\n", c[0] + 4 * uniform(), c[1] + 4 * uniform(), c[2] + 4 * uniform());
    s += buf;
    if (i % 100 == 0) s += "\n# a comment\n";
  }
  return s;
}

std::vector<std::vector<double>> parse_csv(const std::string& text) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 'x') continue;
    std::vector<double> row;
    std::istringstream fields(line);
    std::string f;
    while (std::getline(fields, f, ',')) row.push_back(std::stod(f));
    rows.push_back(row);
  }
  return rows;
}
}  // namespace

TEST_F(JobsTest, KMeansIsTheSameForAnyThreadsAndSplitsAndConverges) {
  const std::string text = blobs(3000);
  write("points.csv", text);
  const OptionValues opts = {{"k", "3"}, {"iterations", "100"}, {"tolerance", "0"}, {"seed", "5"}};
  const std::string first = run("kmeans", {dir_ / "points.csv"}, 1, 0, opts);
  for (std::size_t threads = 1; threads <= 4; ++threads) {
    for (std::uint64_t split : {37ull, 1000ull, 10007ull, 1ull << 20}) {
      ASSERT_EQ(run("kmeans", {dir_ / "points.csv"}, threads, split, opts), first) << threads << " threads, split " << split;
    }
  }
  // Independent check: the output is a fixed point of Lloyd's step (computed
  // here with plain doubles), and each centroid is near one true centre.
  const auto centroids = parse_csv(first);
  const auto points = parse_csv(text);
  ASSERT_EQ(centroids.size(), 3u);
  ASSERT_EQ(points.size(), 3000u);
  std::vector<std::vector<double>> sum(3, std::vector<double>(3, 0.0));
  std::vector<int> count(3, 0);
  for (const auto& p : points) {
    std::size_t best = 0;
    double best_d = 1e300;
    for (std::size_t c = 0; c < 3; ++c) {
      double d = 0;
      for (int i = 0; i < 3; ++i) d += (p[i] - centroids[c][i]) * (p[i] - centroids[c][i]);
      if (d < best_d) best = c, best_d = d;
    }
    ++count[best];
    for (int i = 0; i < 3; ++i) sum[best][i] += p[i];
  }
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(count[c], 1000);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(sum[c][i] / count[c], centroids[c][i], 1e-9);
  }
  EXPECT_NEAR(centroids[0][0], -20, 0.2);  // lines are sorted: "-20,..." < "0..." < "20,..."
  EXPECT_NEAR(centroids[1][1], 0, 0.2);
  EXPECT_NEAR(centroids[2][0], 20, 0.2);
}

TEST_F(JobsTest, KMeansBadInputsAreNamed) {
  write("bad.csv", "1,2\n3,4\n5,x\n");
  test::expect_error([&] { run("kmeans", {dir_ / "bad.csv"}, 1, 0, {{"k", "2"}}); }, Errc::invalid_argument,
                     {"bad.csv", "byte 8", "'x' is not a number"});
  write("dims.csv", "1,2\n3,4,5\n");
  test::expect_error([&] { run("kmeans", {dir_ / "dims.csv"}, 1, 0, {{"k", "1"}}); }, Errc::invalid_argument,
                     {"dims.csv", "3 coordinates"});
  write("few.csv", "1,2\n1,2\n3,4\n");
  test::expect_error([&] { run("kmeans", {dir_ / "few.csv"}, 1, 0, {{"k", "3"}}); }, Errc::invalid_argument,
                     {"--k 3", "only 2 distinct points"});
  test::expect_error([&] { run("kmeans", {dir_ / "few.csv"}, 1, 0, {{"k", "0"}}); }, Errc::invalid_argument, {"--k"});
  EXPECT_FALSE(fs::exists(dir_ / "out.txt"));
}

TEST_F(JobsTest, PiIsTheSameForAnyThreadsAndSplits) {
  const OptionValues opts = {{"samples", "3000001"}, {"seed", "9"}};
  const std::string first = run("pi", {}, 1, 0, opts, 1);
  for (std::size_t threads = 1; threads <= 4; ++threads) {
    for (std::uint64_t splits : {1ull, 2ull, 3ull, 50ull}) {
      ASSERT_EQ(run("pi", {}, threads, 0, opts, splits), first) << threads << " threads, " << splits << " splits";
    }
  }
  ASSERT_EQ(first.size(), 13u);  // "3.1415926536\n": 10 decimals
  const double est = std::stod(first);
  EXPECT_NEAR(est, 3.14159265358979, 6 * 1.642 / std::sqrt(3000001.0));  // 6 sigma
  EXPECT_NE(run("pi", {}, 2, 0, {{"samples", "3000001"}, {"seed", "10"}}), first);
  test::expect_error([&] { run("pi", {}, 1, 0, {{"samples", "0"}}); }, Errc::invalid_argument, {"--samples"});
  test::expect_error([&] { run("pi", {dir_}, 1, 0, {}); }, Errc::invalid_argument, {"takes no --input"});
}
