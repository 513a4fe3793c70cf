#pragma once
/// Job options: each job declares its options as a plain list of OptionSpec
/// (name, help, default, type) so that `cohort run JOB --help` can show them and
/// the CLI can translate them into its own parser; the engine checks the values
/// given against the list and hands the job an Options before splitting.
///
/// Thread safety: plain values; an Options is immutable once parsed and may be
/// read from any number of threads.
///
/// - Names are given without dashes ("top"); the CLI spells them `--top`.
/// - Every value travels as text (what the user typed), so options cross ranks
///   as a list of strings and every rank parses them the same way.
/// - parse_options() fills defaults, refuses unknown names and values that do
///   not parse as their type, naming the job, the option and the value.

#include <cohort/mapreduce/export.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::mapreduce {

enum class OptionType {
  integer,  ///< a signed 64-bit integer, e.g. "--top 10"
  real,     ///< a double, e.g. "--tolerance 1e-4"
  string,   ///< any text
  flag,     ///< true/false: "true", "false", "1", "0", "yes", "no", "on", "off" ("" means true)
};

COHORT_MAPREDUCE_EXPORT std::string_view to_string(OptionType type) noexcept;

/// One option a job accepts.
struct OptionSpec {
  std::string name;           ///< without dashes, e.g. "top"
  std::string help;           ///< one line for --help
  std::string default_value;  ///< as text; "" for a string/flag means "not set"/false
  OptionType type = OptionType::string;
};

/// Raw option values as given on the command line: name -> text.
using OptionValues = std::map<std::string, std::string, std::less<>>;

/// Parsed option values of one job: every declared option, given or defaulted.
class COHORT_MAPREDUCE_EXPORT Options {
 public:
  Options() = default;

  /// True if the user gave the option (not just its default).
  bool given(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  double real(std::string_view name) const;
  const std::string& string(std::string_view name) const;
  bool flag(std::string_view name) const;

  /// Every option as text (defaults included), in name order: what crosses ranks.
  const OptionValues& values() const noexcept { return text_; }

 private:
  friend COHORT_MAPREDUCE_EXPORT Options parse_options(std::string_view job, const std::vector<OptionSpec>& specs,
                                                       const OptionValues& given);
  struct Value {
    OptionType type = OptionType::string;
    bool given = false;
    std::int64_t integer = 0;
    double real = 0;
    bool flag = false;
  };
  const Value& find(std::string_view name, OptionType type) const;
  std::map<std::string, Value, std::less<>> parsed_;
  OptionValues text_;
};

/// Checks `given` against `specs` and parses every value (defaults for the
/// rest). Throws cohort::Error(Errc::invalid_argument) naming job, option and value.
COHORT_MAPREDUCE_EXPORT Options parse_options(std::string_view job, const std::vector<OptionSpec>& specs,
                                              const OptionValues& given);

}  // namespace cohort::mapreduce
