// pi: a Monte-Carlo estimate of pi. --samples points (x, y) on a 2^32 x 2^32
// grid, drawn in fixed chunks of 2^20 samples, chunk c from its own generator
// seeded by (--seed, c); a point is a hit when x^2 + y^2 < 2^64 (exact integer
// arithmetic). pi ~ 4 * hits / samples, written with 10 decimals. Chunks do not
// depend on ranks, threads or splits, and hits are integers, so every run with
// the same --samples and --seed writes the same digits.

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include <algorithm>
#include <cstdio>

namespace {

using namespace cohort::mapreduce;

constexpr std::uint64_t kChunk = 1u << 20;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Pi : public TypedJob<Pi, std::uint32_t, std::uint64_t> {
 public:
  static constexpr const char* kName = "pi";
  static constexpr const char* kSummary = "Monte-Carlo estimate of pi (pure compute, no input)";
  static constexpr const char* kVersion = "1.0";

  std::vector<OptionSpec> options() const override {
    return {{"samples", "points to draw", "100000000", OptionType::integer},
            {"seed", "random seed (each chunk of 2^20 samples is seeded from it)", "1", OptionType::integer}};
  }
  void configure(const Options& o) override {
    if (o.integer("samples") <= 0) {
      throw cohort::Error(cohort::Errc::invalid_argument,
                          "pi: --samples must be positive, not " + std::to_string(o.integer("samples")));
    }
    samples_ = static_cast<std::uint64_t>(o.integer("samples"));
    seed_ = static_cast<std::uint64_t>(o.integer("seed"));
  }
  InputKind input_kind() const override { return InputKind::none; }
  KeySpace key_space() const override { return KeySpace::small; }

  std::vector<Split> split(const std::vector<InputFile>&, const SplitOptions& so) const override {
    const std::uint64_t chunks = (samples_ + kChunk - 1) / kChunk;
    const std::uint64_t want = so.splits != 0 ? so.splits : 4 * std::max<std::size_t>(so.parallelism, 1);
    const std::uint64_t n = std::clamp<std::uint64_t>(want, 1, chunks);
    std::vector<Split> splits(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      splits[i].index = i;
      splits[i].first = i * chunks / n;
      splits[i].last = (i + 1) * chunks / n;
    }
    return splits;
  }

  void map(const Split& split, Emit<std::uint32_t, std::uint64_t>& emit) const {
    std::uint64_t hits = 0;
    for (std::uint64_t c = split.first; c < split.last; ++c) {
      std::uint64_t a = seed_, b = c;
      std::uint64_t state = splitmix64(a) ^ splitmix64(b);  // the chunk's own stream, whoever draws it
      const std::uint64_t n = std::min(kChunk, samples_ - c * kChunk);
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t r = splitmix64(state);
        const std::uint64_t x = r >> 32, y = r & 0xffffffffu;
        hits += (y * y <= ~(x * x));  // x^2 + y^2 <= 2^64 - 1, without overflow
      }
    }
    emit(0u, hits);
  }
  void combine(const std::uint32_t&, std::uint64_t& acc, std::uint64_t&& n) const { acc += n; }
  void reduce(const std::uint32_t& k, std::span<const std::uint64_t> hits, Emit<std::uint32_t, std::uint64_t>& out) const {
    std::uint64_t total = 0;
    for (auto h : hits) total += h;
    out(k, total);
  }
  void write_output(std::span<const std::string_view> outputs, Sink& sink) const override {
    std::uint64_t hits = 0;
    for (auto o : outputs) {
      for (const auto& [k, h] : decode_records(o)) hits += h;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10f\n", 4.0 * static_cast<double>(hits) / static_cast<double>(samples_));
    sink.write(buf);
  }

 private:
  std::uint64_t samples_ = 0, seed_ = 1;
};

}  // namespace

COHORT_JOB(Pi)
