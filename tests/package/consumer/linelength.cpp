// How many lines of each length (in bytes) the input has.
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include <cstdint>
#include <span>

using namespace cohort::mapreduce;

class LineLength : public TypedJob<LineLength, std::uint64_t, std::uint64_t> {
 public:
  static constexpr const char* kName = "linelength";
  static constexpr const char* kSummary = "count lines by length";
  static constexpr const char* kVersion = "1.0";

  void map(const Split& split, Emit<std::uint64_t, std::uint64_t>& emit) const {
    for_each_line(split, [&](const FileRange&, std::uint64_t, std::string_view line) { emit(line.size(), 1); });
  }
  void reduce(const std::uint64_t& length, std::span<const std::uint64_t> counts,
              Emit<std::uint64_t, std::uint64_t>& out) const {
    std::uint64_t n = 0;
    for (auto c : counts) n += c;
    out(length, n);
  }
};

COHORT_JOB(LineLength)
