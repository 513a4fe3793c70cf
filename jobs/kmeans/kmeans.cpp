// kmeans: Lloyd's k-means on a CSV of points, one point per line ("x,y,..."),
// with --k clusters, at most --iterations update rounds, stopping early when no
// centroid moves more than --tolerance. Output: CSV, one centroid per line
// (shortest round-trip decimals), lines sorted bytewise.
//
// Deterministic for any number of ranks, threads and splits:
// - initialisation: every point gets a priority hash(--seed, file, byte offset);
//   the k distinct points of lowest priority are the first centroids (each
//   split keeps its k best, the reduce merges them: the same set whatever the splits);
// - update: each cluster's coordinates are summed exactly (ExactSum), so the
//   grouping of points into splits cannot change a single bit; ties in
//   assignment go to the lowest centroid index; an empty cluster keeps its centroid.
// Lines that are empty or start with '#' are skipped, and so is a first line
// of a file that is not numeric (a header).

#include "exact_sum.hpp"

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace {

using namespace cohort::mapreduce;
using cohort_jobs::ExactSum;

constexpr std::size_t kMaxDims = 4096;

[[noreturn]] void fail(const std::string& message) { throw cohort::Error(cohort::Errc::invalid_argument, "kmeans: " + message); }

std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// A candidate first centroid.
struct Candidate {
  std::uint64_t priority = 0;
  std::uint32_t file = 0;
  std::uint64_t offset = 0;
  std::vector<double> coords;
  bool operator<(const Candidate& o) const {
    return std::tie(priority, file, offset) < std::tie(o.priority, o.file, o.offset);
  }
};

/// What a split contributes to a cluster: init candidates (round 0) or exact sums.
struct Partial {
  std::vector<Candidate> candidates;
  std::uint64_t count = 0;
  std::vector<ExactSum> sums;
};

/// Keeps the k best candidates with distinct coordinates.
void keep_best(std::vector<Candidate>& best, Candidate c, std::size_t k) {
  if (best.size() == k && !(c < best.back())) return;
  auto same = std::find_if(best.begin(), best.end(), [&](const Candidate& b) { return b.coords == c.coords; });
  if (same != best.end()) {
    if (!(c < *same)) return;
    best.erase(same);
  }
  best.insert(std::upper_bound(best.begin(), best.end(), c), std::move(c));
  if (best.size() > k) best.pop_back();
}

// Parses "x,y,..." into `out`; false for a line that is not all numbers.
bool parse_point(std::string_view line, std::vector<double>& out, std::string& bad) {
  out.clear();
  while (true) {
    const std::size_t comma = line.find(',');
    std::string_view field = line.substr(0, comma);
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);
    double v = 0;
    const auto res = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || res.ec != std::errc{} || res.ptr != field.data() + field.size() || !std::isfinite(v)) {
      bad = std::string(field.substr(0, 40));
      return false;
    }
    out.push_back(v);
    if (out.size() > kMaxDims) {
      bad = "more than " + std::to_string(kMaxDims) + " coordinates";
      return false;
    }
    if (comma == std::string_view::npos) return true;
    line.remove_prefix(comma + 1);
  }
}

}  // namespace

template <>
struct cohort::mapreduce::Codec<Candidate> {
  static void encode(ByteWriter& w, const Candidate& c) {
    w.varint(c.priority);
    w.varint(c.file);
    w.varint(c.offset);
    mapreduce::encode(w, c.coords);
  }
  static Candidate decode(ByteReader& r) {
    Candidate c;
    c.priority = r.varint();
    c.file = mapreduce::decode<std::uint32_t>(r);
    c.offset = r.varint();
    c.coords = mapreduce::decode<std::vector<double>>(r);
    return c;
  }
};

template <>
struct cohort::mapreduce::Codec<Partial> {
  static void encode(ByteWriter& w, const Partial& p) {
    mapreduce::encode(w, p.candidates);
    w.varint(p.count);
    mapreduce::encode(w, p.sums);
  }
  static Partial decode(ByteReader& r) {
    Partial p;
    p.candidates = mapreduce::decode<std::vector<Candidate>>(r);
    p.count = r.varint();
    p.sums = mapreduce::decode<std::vector<ExactSum>>(r);
    return p;
  }
};

namespace {

class KMeans : public TypedJob<KMeans, std::uint32_t, Partial> {
 public:
  static constexpr const char* kName = "kmeans";
  static constexpr const char* kSummary = "k-means clustering of CSV points (deterministic for any ranks/threads)";
  static constexpr const char* kVersion = "1.0";

  std::vector<OptionSpec> options() const override {
    return {{"k", "number of clusters", "3", OptionType::integer},
            {"iterations", "at most this many update rounds", "20", OptionType::integer},
            {"tolerance", "stop when no centroid moves more than this", "1e-6", OptionType::real},
            {"seed", "seed of the choice of the first centroids", "1", OptionType::integer}};
  }
  void configure(const Options& o) override {
    if (o.integer("k") < 1 || o.integer("k") > 100000) fail("--k must be between 1 and 100000, not " + std::to_string(o.integer("k")));
    if (o.integer("iterations") < 0) fail("--iterations must be >= 0");
    if (o.real("tolerance") < 0) fail("--tolerance must be >= 0");
    k_ = static_cast<std::size_t>(o.integer("k"));
    iterations_ = static_cast<unsigned>(std::min<std::int64_t>(o.integer("iterations"), 1 << 30));
    tolerance_ = o.real("tolerance");
    seed_ = static_cast<std::uint64_t>(o.integer("seed"));
    round_ = 0;
    dims_ = 0;
    centroids_.clear();
  }
  KeySpace key_space() const override { return KeySpace::small; }
  bool iterative() const override { return true; }

  // Every point of the split: fn(range, offset, coords).
  template <class F>
  void for_each_point(const Split& split, F&& fn) const {
    std::vector<double> p;
    std::string bad;
    for_each_line(split, [&](const FileRange& r, std::uint64_t off, std::string_view line) {
      const std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') return;
      if (!parse_point(line, p, bad)) {
        if (off == 0) return;  // a header line
        fail("'" + r.path + "', line at byte " + std::to_string(off) + ": '" + bad + "' is not a number");
      }
      if (dims_ != 0 && p.size() != dims_) {
        fail("'" + r.path + "', line at byte " + std::to_string(off) + ": a point with " + std::to_string(p.size()) +
             " coordinates, the others have " + std::to_string(dims_));
      }
      fn(r, off, p);
    });
  }

  void map(const Split& split, Emit<std::uint32_t, Partial>& emit) const {
    if (round_ == 0) {
      Partial part;
      std::size_t dims = 0;
      for_each_point(split, [&](const FileRange& r, std::uint64_t off, const std::vector<double>& p) {
        if (dims == 0) dims = p.size();
        if (p.size() != dims) {
          fail("'" + r.path + "', line at byte " + std::to_string(off) + ": a point with " + std::to_string(p.size()) +
               " coordinates after points with " + std::to_string(dims));
        }
        const std::uint64_t prio = mix64(seed_ ^ mix64(r.file_index ^ mix64(off)));
        if (part.candidates.size() == k_ && !(Candidate{prio, r.file_index, off, {}} < part.candidates.back())) return;
        keep_best(part.candidates, Candidate{prio, r.file_index, off, p}, k_);
      });
      if (!part.candidates.empty()) emit(0u, std::move(part));
      return;
    }
    std::vector<std::uint64_t> counts(k_);
    std::vector<ExactSum> sums(k_ * dims_);
    for_each_point(split, [&](const FileRange&, std::uint64_t, const std::vector<double>& p) {
      std::size_t best = 0;
      double best_d = 0;
      for (std::size_t c = 0; c < k_; ++c) {
        const double* q = &centroids_[c * dims_];
        double d = 0;
        for (std::size_t i = 0; i < dims_; ++i) d += (p[i] - q[i]) * (p[i] - q[i]);
        if (c == 0 || d < best_d) {
          best = c;
          best_d = d;
        }
      }
      ++counts[best];
      for (std::size_t i = 0; i < dims_; ++i) sums[best * dims_ + i].add(p[i]);
    });
    for (std::size_t c = 0; c < k_; ++c) {
      if (counts[c] == 0) continue;
      Partial part;
      part.count = counts[c];
      part.sums.assign(sums.begin() + static_cast<std::ptrdiff_t>(c * dims_),
                       sums.begin() + static_cast<std::ptrdiff_t>((c + 1) * dims_));
      emit(static_cast<std::uint32_t>(c), std::move(part));
    }
  }

  void combine(const std::uint32_t&, Partial& acc, Partial&& more) const {
    for (auto& c : more.candidates) keep_best(acc.candidates, std::move(c), k_);
    if (acc.sums.size() != more.sums.size()) fail("points of different dimensions in one cluster");
    acc.count += more.count;
    for (std::size_t i = 0; i < acc.sums.size(); ++i) acc.sums[i].add(more.sums[i]);
  }
  void reduce(const std::uint32_t& c, std::span<const Partial> parts, Emit<std::uint32_t, Partial>& out) const {
    out(c, parts[0]);  // combined already
  }

  bool advance(std::span<const std::string_view> outputs) override {
    std::vector<Record> records;
    for (auto o : outputs) {
      for (auto& r : decode_records(o)) records.push_back(std::move(r));
    }
    if (round_ == 0) {
      std::vector<Candidate> best;
      for (auto& r : records) {
        for (auto& c : r.second.candidates) keep_best(best, std::move(c), k_);
      }
      std::size_t dims = best.empty() ? 0 : best.front().coords.size();
      for (const auto& c : best) {
        if (c.coords.size() != dims) fail("the input has points with " + std::to_string(dims) + " and " +
                                          std::to_string(c.coords.size()) + " coordinates");
      }
      if (best.size() < k_) {
        fail("--k " + std::to_string(k_) + " but the input has only " + std::to_string(best.size()) +
             " distinct points");
      }
      dims_ = dims;
      centroids_.clear();
      for (const auto& c : best) centroids_.insert(centroids_.end(), c.coords.begin(), c.coords.end());
      round_ = 1;
      return iterations_ > 0;
    }
    double moved = 0;
    for (auto& [c, part] : records) {
      double d2 = 0;
      for (std::size_t i = 0; i < dims_; ++i) {
        const double v = part.sums[i].to_double() / static_cast<double>(part.count);
        const double delta = v - centroids_[c * dims_ + i];
        d2 += delta * delta;
        centroids_[c * dims_ + i] = v;
      }
      moved = std::max(moved, std::sqrt(d2));
    }
    return moved > tolerance_ && round_++ < iterations_;
  }

  std::string state() const override {
    std::string s;
    ByteWriter w(s);
    w.varint(round_);
    w.varint(dims_);
    cohort::mapreduce::encode(w, centroids_);
    return s;
  }
  void set_state(std::string_view bytes) override {
    ByteReader r(bytes);
    round_ = static_cast<unsigned>(r.varint());
    dims_ = static_cast<std::size_t>(r.varint());
    centroids_ = cohort::mapreduce::decode<std::vector<double>>(r);
    if (centroids_.size() != (round_ == 0 ? 0 : dims_ * k_)) ByteReader::fail("kmeans state of the wrong size");
  }

  void write_output(std::span<const std::string_view>, Sink& sink) const override {
    std::vector<std::string> lines;
    for (std::size_t c = 0; c < k_; ++c) {
      std::string line;
      for (std::size_t i = 0; i < dims_; ++i) {
        if (i != 0) line += ',';
        format_field(line, centroids_[c * dims_ + i]);
      }
      lines.push_back(line + "\n");
    }
    std::sort(lines.begin(), lines.end());
    std::string text;
    for (const auto& l : lines) text += l;
    sink.write(text);
  }

 private:
  std::size_t k_ = 3;
  unsigned iterations_ = 20;
  double tolerance_ = 1e-6;
  std::uint64_t seed_ = 1;
  unsigned round_ = 0;  // 0: choosing the first centroids; then update rounds 1, 2, ...
  std::size_t dims_ = 0;
  std::vector<double> centroids_;  // k x dims
};

}  // namespace

COHORT_JOB(KMeans)
