// The distributed engine under mpirun (np 1, 2, 3, 5): every rank runs each test;
// rank 0 runs the job and compares with the local engine, the others serve.

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/distributed.hpp>
#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/wire/registry.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cohort::mapreduce;
using cohort::cluster::ClusterExecutor;
namespace fs = std::filesystem;

namespace {

const cohort::plugin::PluginPath& plugins() {
  static const cohort::plugin::PluginPath p({COHORT_TEST_JOBS_DIR});
  return p;
}

const cohort::wire::Registry& registry() {
  static const cohort::wire::Registry r = [] {
    cohort::wire::Registry reg;
    register_tasks(reg, plugin_resolver(plugins()));
    return reg;
  }();
  return r;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Rank 0's scratch directory for one test.
struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() / ("cohort-mr-dist-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path / "in");
  }
  ~Dir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << text;
  }
  int entries() const {
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(path)) ++n;
    return n;
  }
};

std::string text_corpus(int lines, int salt) {
  std::string s;
  for (int i = 0; i < lines; ++i) {
    s += "Line " + std::to_string(i % 97) + " of the corpus, word" + std::to_string((i * 7 + salt) % 1013) +
         " and WORD" + std::to_string(i % 13) + "; the end\n";
  }
  return s;
}

// Runs `name` locally and distributed (each shuffle mode given), expecting the same bytes.
// `chunk`: the mpi shuffle's message size (small: blocks and outputs travel in many pieces).
void expect_same_as_local(ClusterExecutor& ex, const Dir& dir, const std::string& name, std::vector<fs::path> inputs,
                          OptionValues options, std::vector<RunConfig::Shuffle> modes, std::uint64_t split_bytes,
                          std::uint64_t chunk = 64u << 20) {
  JobHandle job = load_job(name, plugins());
  RunConfig cfg;
  cfg.inputs = std::move(inputs);
  cfg.options = std::move(options);
  cfg.threads = 2;
  cfg.split_bytes = split_bytes;
  cfg.splits = 7;
  cfg.output = dir.path / "local.out";
  run_local(*job, cfg);
  const std::string expected = read_file(cfg.output);
  ASSERT_FALSE(expected.empty());
  cfg.shuffle_chunk_bytes = chunk;
  for (auto mode : modes) {
    using S = RunConfig::Shuffle;
    cfg.shuffle = mode;
    cfg.partitions = mode == S::files || mode == S::mpi ? 5 : 0;
    cfg.output = dir.path / "dist.out";
    fs::remove(cfg.output);
    const RunResult r = run_distributed(ex, *job, cfg);
    EXPECT_EQ(read_file(cfg.output), expected) << name << " shuffle mode " << to_string(mode);
    if (mode != S::automatic) {
      EXPECT_EQ(r.shuffle, mode);
    }
    EXPECT_EQ(r.shuffled, r.shuffle != S::gather);
    EXPECT_EQ(r.workers, ex.workers());
    EXPECT_EQ(dir.entries(), 3) << "scratch files left behind";  // in/, local.out, dist.out
  }
}

}  // namespace

TEST(MapReduceDistributed, WordCountAndInvertedIndexMatchTheLocalEngine) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  Dir dir;
  dir.write("in/a.txt", text_corpus(4000, 1));
  dir.write("in/sub/b.txt", text_corpus(2500, 2));
  dir.write("in/c.txt", "straddle STRADDLE straddle");
  using S = RunConfig::Shuffle;
  expect_same_as_local(ex, dir, "wordcount", {dir.path / "in"}, {}, {S::gather, S::files, S::mpi}, 20000);
  expect_same_as_local(ex, dir, "wordcount", {dir.path / "in"}, {{"top", "7"}}, {S::files, S::mpi}, 3001);
  expect_same_as_local(ex, dir, "invindex", {dir.path / "in"}, {}, {S::gather, S::files, S::mpi}, 7777);
  // Tiny messages: every partition block travels in pieces, and the reduced
  // outputs (bigger than a piece) are fetched by rank 0 in pieces.
  expect_same_as_local(ex, dir, "wordcount", {dir.path / "in"}, {}, {S::mpi}, 5000, 97);
  expect_same_as_local(ex, dir, "invindex", {dir.path / "in"}, {}, {S::mpi}, 7777, 1000);
  ex.shutdown();
}

TEST(MapReduceDistributed, IterativeAndComputeJobsMatchTheLocalEngine) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  Dir dir;
  std::string points;
  for (int i = 0; i < 5000; ++i) {
    points += std::to_string((i % 3) * 10 + (i * 37 % 101) / 50.0) + "," + std::to_string((i % 3) * -7 + (i * 53 % 89) / 40.0) + "\n";
  }
  dir.write("in/points.csv", points);
  using S = RunConfig::Shuffle;
  expect_same_as_local(ex, dir, "kmeans", {dir.path / "in/points.csv"},
                       {{"k", "3"}, {"iterations", "30"}, {"tolerance", "0"}}, {S::automatic, S::files, S::mpi}, 4001);
  expect_same_as_local(ex, dir, "pi", {}, {{"samples", "3000000"}}, {S::automatic}, 0);
  ex.shutdown();
}

TEST(MapReduceDistributed, AFailedTaskFailsTheRunCleanlyAndTheNextRunWorks) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  // mpi: the good splits' data is on its way to the owners when the run
  // fails; it must all be in (and dropped) before the run ends, so that the
  // workers still stop cleanly (serve() == kOk above) right after.
  for (const auto mode : {RunConfig::Shuffle::files, RunConfig::Shuffle::mpi}) {
    Dir dir;
    dir.write("in/good.txt", text_corpus(3000, 3));
    dir.write("in/bad.bin", std::string("text\0binary", 11));
    JobHandle job = load_job("wordcount", plugins());
    RunConfig cfg;
    cfg.inputs = {dir.path / "in"};
    cfg.output = dir.path / "out.tsv";
    cfg.shuffle = mode;
    cfg.split_bytes = 4096;
    cfg.shuffle_chunk_bytes = 512;
    try {
      run_distributed(ex, *job, cfg);
      ADD_FAILURE() << "expected an error";
    } catch (const cohort::Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.bin"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("binary"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(cfg.output));
    EXPECT_EQ(dir.entries(), 1) << "no output, no scratch directory";
    fs::remove(dir.path / "in/bad.bin");
    if (mode == RunConfig::Shuffle::mpi) break;  // end the executor right after the failed run
    const RunResult r = run_distributed(ex, *job, cfg);
    EXPECT_EQ(r.input_files, 1u);
    EXPECT_TRUE(fs::exists(cfg.output));
  }
  ex.shutdown();
  EXPECT_TRUE(ex.protocol_errors().empty()) << ex.protocol_errors().front();
}

TEST(MapReduceDistributed, LargeKeySpacesShuffleOverMpiByDefaultWithoutTouchingTheScratchDir) {
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cohort::cluster::exit_code::kOk);
    return;
  }
  Dir dir;
  dir.write("in/a.txt", text_corpus(3000, 4));
  JobHandle job = load_job("wordcount", plugins());
  RunConfig cfg;
  cfg.inputs = {dir.path / "in"};
  cfg.threads = 2;
  cfg.split_bytes = 10000;
  cfg.gather_limit = 0;  // a "large" input: the automatic choice shuffles
  cfg.output = dir.path / "local.out";
  run_local(*job, cfg);
  const std::string expected = read_file(cfg.output);
  // A scratch directory that cannot be created: the mpi shuffle never needs one.
  cfg.scratch_dir = "/proc/cohort-no-such-dir";
  cfg.output = dir.path / "auto.out";
  RunResult r = run_distributed(ex, *job, cfg);
  EXPECT_EQ(r.shuffle, RunConfig::Shuffle::mpi);
  EXPECT_TRUE(r.shuffled);
  EXPECT_EQ(read_file(cfg.output), expected);
  EXPECT_EQ(dir.entries(), 3) << "only in/ and the two outputs";
  // ... while the files shuffle does, and says which.
  cfg.shuffle = RunConfig::Shuffle::files;
  cfg.output = dir.path / "files.out";
  try {
    run_distributed(ex, *job, cfg);
    ADD_FAILURE() << "expected an error about the scratch directory";
  } catch (const cohort::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/cohort-no-such-dir"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(cfg.output));

  // With a journal the automatic choice shuffles through files (resumable)...
  cfg.scratch_dir.clear();
  cfg.shuffle = RunConfig::Shuffle::automatic;
  cfg.journal = dir.path / "j";
  cfg.output = dir.path / "journaled.out";
  r = run_distributed(ex, *job, cfg);
  EXPECT_EQ(r.shuffle, RunConfig::Shuffle::files);
  EXPECT_EQ(read_file(cfg.output), expected);
  EXPECT_FALSE(fs::exists(cfg.journal));
  // ... and the mpi shuffle, which a journal could not resume, is refused.
  cfg.shuffle = RunConfig::Shuffle::mpi;
  cfg.output = dir.path / "refused.out";
  try {
    run_distributed(ex, *job, cfg);
    ADD_FAILURE() << "expected mpi + journal to be refused";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.code(), cohort::Errc::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("journal"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(cfg.journal)) << "refused before the journal is created";
  EXPECT_FALSE(fs::exists(cfg.output));
  ex.shutdown();
}
