// wordcount: how often each word occurs. A word is a maximal run of ASCII
// letters and digits, lowercased; every other byte separates words. Output:
// "word<TAB>count" lines, by count descending, then word; --top N keeps the N
// most frequent.

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace {

using namespace cohort::mapreduce;

class WordCount : public TypedJob<WordCount, std::string, std::uint64_t> {
 public:
  static constexpr const char* kName = "wordcount";
  static constexpr const char* kSummary = "count words (runs of ASCII letters and digits, lowercased)";
  static constexpr const char* kVersion = "1.0";

  std::vector<OptionSpec> options() const override {
    return {{"top", "write only the N most frequent words (0: all)", "0", OptionType::integer}};
  }
  void configure(const Options& o) override {
    const auto top = o.integer("top");
    if (top < 0) throw cohort::Error(cohort::Errc::invalid_argument, "wordcount: --top must be >= 0, not " + std::to_string(top));
    top_ = static_cast<std::uint64_t>(top);
  }

  void map(const Split& split, Emit<std::string, std::uint64_t>& emit) const {
    for_each_word(split, [&](const FileRange&, std::string_view word) { emit(word, 1); });
  }
  void combine(const std::string&, std::uint64_t& acc, std::uint64_t&& n) const { acc += n; }
  void reduce(const std::string& word, std::span<const std::uint64_t> counts,
              Emit<std::string, std::uint64_t>& out) const {
    std::uint64_t total = 0;
    for (auto c : counts) total += c;
    out(word, total);
  }
  bool before(const std::string& a, std::uint64_t ca, const std::string& b, std::uint64_t cb) const {
    return ca != cb ? ca > cb : a < b;
  }
  std::uint64_t limit() const { return top_; }

 private:
  std::uint64_t top_ = 0;
};

}  // namespace

COHORT_JOB(WordCount)
