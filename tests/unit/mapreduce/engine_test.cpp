// The typed adapter and the local engine, with jobs defined here: values reach
// reduce() in full, the output does not depend on threads, splits or
// partitions, iterative jobs run their rounds, and a failed run leaves no file.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include "test_util.hpp"

#include <map>
#include <set>

using namespace cohort::mapreduce;
using cohort::Errc;
using test::read_file;
using test::Scratch;
namespace fs = std::filesystem;

namespace {

// Word lengths by first letter, no combiner: reduce() must see every value.
class Lengths : public TypedJob<Lengths, std::string, std::uint32_t, std::vector<std::uint32_t>> {
 public:
  static constexpr const char* kName = "lengths";
  void map(const Split& s, Emit<std::string, std::uint32_t>& emit) const {
    for_each_word(s, [&](const FileRange&, std::string_view w) {
      emit(w.substr(0, 1), static_cast<std::uint32_t>(w.size()));
    });
  }
  void reduce(const std::string& k, std::span<const std::uint32_t> v, Emit<std::string, std::vector<std::uint32_t>>& out) const {
    std::vector<std::uint32_t> sorted(v.begin(), v.end());
    std::sort(sorted.begin(), sorted.end());
    out(k, std::move(sorted));
  }
};

// Line counts per file name with a combiner, output by count desc then name, top N.
class LinesPerFile : public TypedJob<LinesPerFile, std::string, std::int64_t> {
 public:
  static constexpr const char* kName = "lines";
  std::vector<OptionSpec> options() const override { return {{"top", "N", "0", OptionType::integer}}; }
  void configure(const Options& o) override { top_ = static_cast<std::uint64_t>(o.integer("top")); }
  void map(const Split& s, Emit<std::string, std::int64_t>& emit) const {
    for_each_line(s, [&](const FileRange& r, std::uint64_t, std::string_view) { emit(r.name, 1); });
  }
  void combine(const std::string&, std::int64_t& acc, std::int64_t&& n) const { acc += n; }
  void reduce(const std::string& k, std::span<const std::int64_t> v, Emit<std::string, std::int64_t>& out) const {
    EXPECT_EQ(v.size(), 1u);  // the combiner already folded every split's value
    out(k, v[0]);
  }
  bool before(const std::string& a, std::int64_t x, const std::string& b, std::int64_t y) const {
    return x != y ? x > y : a < b;
  }
  void format(const std::string& k, std::int64_t n, std::string& line) const {
    line += std::to_string(n) + " " + k + "\n";
  }
  std::uint64_t limit() const { return top_; }
  std::uint64_t top_ = 0;
};

// An iterative compute job: the state is a number doubled each round until it passes --until.
class Doubling : public TypedJob<Doubling, std::uint32_t, std::uint64_t> {
 public:
  static constexpr const char* kName = "doubling";
  std::vector<OptionSpec> options() const override { return {{"until", "stop above", "100", OptionType::integer}}; }
  void configure(const Options& o) override { until_ = static_cast<std::uint64_t>(o.integer("until")); }
  InputKind input_kind() const override { return InputKind::none; }
  KeySpace key_space() const override { return KeySpace::small; }
  std::vector<Split> split(const std::vector<InputFile>&, const SplitOptions& so) const override {
    std::vector<Split> s(so.splits != 0 ? so.splits : 3);
    for (std::size_t i = 0; i < s.size(); ++i) s[i].index = i;
    return s;
  }
  void map(const Split& s, Emit<std::uint32_t, std::uint64_t>& emit) const {
    emit(static_cast<std::uint32_t>(s.index % 2), value_);
  }
  void combine(const std::uint32_t&, std::uint64_t& acc, std::uint64_t&& v) const { acc += v; }
  void reduce(const std::uint32_t& k, std::span<const std::uint64_t> v, Emit<std::uint32_t, std::uint64_t>& out) const {
    out(k, v[0]);
  }
  bool iterative() const override { return true; }
  std::string state() const override { return std::to_string(value_); }
  void set_state(std::string_view s) override { value_ = std::stoull(std::string(s)); }
  bool advance(std::span<const std::string_view> outputs) override {
    ++rounds_;
    std::uint64_t sum = 0;
    for (auto& o : outputs) {
      for (auto& [k, v] : decode_records(o)) sum += v;
    }
    value_ = sum;  // = value * number of splits
    return value_ <= until_;
  }
  std::uint64_t value_ = 1, until_ = 0;
  int rounds_ = 0;
};

const char* kText =
    "alpha beta gamma\nAlpha Beta\nbeta\n\ngamma delta epsilon zeta eta theta\n"
    "iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega\n";

}  // namespace

class EngineTest : public Scratch {
 protected:
  std::string run(Job& job, std::size_t threads, std::uint64_t split_bytes, std::uint32_t partitions,
                  OptionValues options = {}) {
    RunConfig cfg;
    cfg.inputs = {dir_ / "in"};
    cfg.output = dir_ / "out.txt";
    cfg.threads = threads;
    cfg.split_bytes = split_bytes;
    cfg.partitions = partitions;
    cfg.options = std::move(options);
    last_ = run_local(job, cfg);
    return read_file(cfg.output);
  }
  RunResult last_;
};

TEST_F(EngineTest, ReduceSeesEveryValueAndOutputIsIndependentOfThreadsSplitsAndPartitions) {
  write("in/a.txt", kText);
  write("in/sub/b.txt", "Zebra zoo zip\nalpha");
  Lengths job;
  const std::string expected =
      "a\t5,5,5\nb\t4,4,4\nc\t3\nd\t5\ne\t3,7\ng\t5,5\ni\t4\nk\t5\nl\t6\nm\t2\nn\t2\no\t5,7\np\t2,3,3\n"
      "r\t3\ns\t5\nt\t3,5\nu\t7\nx\t2\nz\t3,3,4,5\n";
  for (std::size_t threads = 1; threads <= 4; ++threads) {
    for (std::uint64_t split : {1ull, 5ull, 17ull, 1000ull}) {
      for (std::uint32_t parts : {1u, 3u, 7u}) {
        ASSERT_EQ(run(job, threads, split, parts), expected) << threads << " threads, " << split << " B, " << parts;
      }
    }
  }
  EXPECT_EQ(last_.input_files, 2u);
  EXPECT_EQ(last_.map_records, 32u);
  EXPECT_EQ(last_.reduced_keys, 19u);
  EXPECT_EQ(last_.partitions, 7u);
}

TEST_F(EngineTest, CombinerOrderFormatAndLimit) {
  write("in/one.txt", "1\n2\n3\n");
  write("in/two.txt", "1\n2\n");
  write("in/three.txt", "1\n2\n3\n");
  LinesPerFile job;
  EXPECT_EQ(run(job, 2, 3, 2), "3 one.txt\n3 three.txt\n2 two.txt\n");
  EXPECT_EQ(run(job, 3, 1, 4, {{"top", "2"}}), "3 one.txt\n3 three.txt\n");
  EXPECT_EQ(last_.output_records, 3u);  // each partition keeps its top 2 (of at most 3 keys)
}

TEST_F(EngineTest, IterativeJobRunsRoundsOnItsState) {
  Doubling job;
  RunConfig cfg;
  cfg.output = dir_ / "out.txt";
  cfg.splits = 2;  // each round doubles the value
  cfg.options = {{"until", "100"}};
  const RunResult r = run_local(job, cfg);
  EXPECT_EQ(r.rounds, 7u);  // 1 -> 2 -> ... -> 128
  EXPECT_EQ(job.value_, 128u);
  EXPECT_EQ(read_file(cfg.output), "0\t64\n1\t64\n");
}

TEST_F(EngineTest, ProgressIsReportedForEveryPhase) {
  write("in/a.txt", kText);
  Lengths job;
  RunConfig cfg;
  cfg.inputs = {dir_ / "in"};
  cfg.output = dir_ / "out.txt";
  cfg.split_bytes = 10;
  cfg.threads = 3;
  std::map<std::string, std::uint64_t> last;
  cfg.on_progress = [&](const Progress& p) { last[std::string(p.phase)] = p.done; };
  const RunResult r = run_local(job, cfg);
  EXPECT_EQ(last["map"], r.splits);
  EXPECT_EQ(last["reduce"], r.partitions);
  EXPECT_EQ(last["write"], 1u);
}

TEST_F(EngineTest, FailedRunsLeaveNoOutputAndNameTheProblem) {
  write("in/a.txt", kText);
  write("out.txt", "previous output\n");
  Lengths lengths;
  LinesPerFile lines;
  RunConfig cfg;
  cfg.output = dir_ / "out.txt";

  cfg.inputs = {dir_ / "missing"};
  test::expect_error([&] { run_local(lengths, cfg); }, Errc::io_error, {"missing", "no such file"});
  write("in/bad.bin", std::string("ab\0cd", 5));
  cfg.inputs = {dir_ / "in"};
  test::expect_error([&] { run_local(lengths, cfg); }, Errc::io_error, {"bad.bin", "binary"});
  fs::remove(dir_ / "in/bad.bin");
  cfg.options = {{"top", "x"}};
  test::expect_error([&] { run_local(lines, cfg); }, Errc::invalid_argument, {"job 'lines'", "--top 'x'"});
  cfg.options = {};
  cfg.output = dir_ / "no/such/dir/out.txt";
  test::expect_error([&] { run_local(lengths, cfg); }, Errc::io_error, {"output directory", "no/such/dir"});
  cfg.output = dir_;
  test::expect_error([&] { run_local(lengths, cfg); }, Errc::io_error, {"is a directory"});
  Doubling doubling;
  cfg.output = dir_ / "out.txt";
  test::expect_error([&] { run_local(doubling, cfg); }, Errc::invalid_argument, {"takes no --input"});

  EXPECT_EQ(read_file(dir_ / "out.txt"), "previous output\n");
  EXPECT_EQ(test::temp_files_in(dir_), 0);
}

TEST_F(EngineTest, AtomicFileAppearsOnlyOnCommit) {
  const fs::path target = dir_ / "result.txt";
  {
    AtomicFile f(target);
    f.write("partial");
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(fs::exists(f.temp_path()));
  }  // destroyed without commit: as if the run failed
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(test::temp_files_in(dir_), 0);
  {
    AtomicFile f(target);
    f.write(std::string(3 << 20, 'x'));  // more than one buffer
    f.write("end");
    f.commit();
  }
  EXPECT_EQ(fs::file_size(target), (3u << 20) + 3);
  EXPECT_EQ(test::temp_files_in(dir_), 0);
}
