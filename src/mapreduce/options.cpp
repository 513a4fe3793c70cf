#include <cohort/core/error.hpp>
#include <cohort/mapreduce/options.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace cohort::mapreduce {
namespace {

[[noreturn]] void bad(std::string_view job, const std::string& message) {
  throw Error(Errc::invalid_argument, "job '" + std::string(job) + "': " + message);
}

std::string spec_list(const std::vector<OptionSpec>& specs) {
  if (specs.empty()) return "it takes no options";
  std::string s = "its options are";
  for (const auto& o : specs) s += " --" + o.name;
  return s;
}

bool parse_flag(std::string_view v, bool& out) {
  if (v.empty() || v == "true" || v == "1" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    out = false;
  } else {
    return false;
  }
  return true;
}

bool parse_integer(std::string_view v, std::int64_t& out) {
  const auto* end = v.data() + v.size();
  const auto res = std::from_chars(v.data(), end, out);
  return !v.empty() && res.ec == std::errc{} && res.ptr == end;
}

bool parse_real(std::string_view v, double& out) {
  // strtod accepts more spellings than from_chars (e.g. a leading '+'); require it to consume everything.
  if (v.empty()) return false;
  const std::string s(v);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0 && std::isfinite(out);
}

}  // namespace

std::string_view to_string(OptionType type) noexcept {
  switch (type) {
    case OptionType::integer: return "integer";
    case OptionType::real: return "number";
    case OptionType::string: return "text";
    case OptionType::flag: return "flag";
  }
  return "?";
}

Options parse_options(std::string_view job, const std::vector<OptionSpec>& specs, const OptionValues& given) {
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& s : specs) known |= s.name == name;
    if (!known) bad(job, "unknown option --" + name + "; " + spec_list(specs));
  }
  Options opts;
  for (const auto& spec : specs) {
    const auto it = given.find(spec.name);
    const bool was_given = it != given.end();
    const std::string& text = was_given ? it->second : spec.default_value;
    Options::Value v;
    v.type = spec.type;
    v.given = was_given;
    const auto what = [&] {
      return "--" + spec.name + " '" + text + "' is not " +
             (spec.type == OptionType::integer ? "an integer" : spec.type == OptionType::real ? "a number" : "a flag") +
             (was_given ? "" : " (the job's default is broken)");
    };
    switch (spec.type) {
      case OptionType::integer:
        if (!parse_integer(text, v.integer)) bad(job, what());
        break;
      case OptionType::real:
        if (!parse_real(text, v.real)) bad(job, what());
        break;
      case OptionType::flag:
        if (!was_given && text.empty()) {
          v.flag = false;
        } else if (!parse_flag(text, v.flag)) {
          bad(job, what());
        }
        break;
      case OptionType::string: break;
    }
    opts.parsed_.emplace(spec.name, v);
    opts.text_.emplace(spec.name, text);
  }
  return opts;
}

bool Options::given(std::string_view name) const {
  const auto it = parsed_.find(name);
  return it != parsed_.end() && it->second.given;
}

const Options::Value& Options::find(std::string_view name, OptionType type) const {
  const auto it = parsed_.find(name);
  if (it == parsed_.end()) {
    throw Error(Errc::invalid_argument, "option --" + std::string(name) + " is not declared by the job");
  }
  if (it->second.type != type) {
    throw Error(Errc::invalid_argument, "option --" + std::string(name) + " is declared as " +
                                            std::string(to_string(it->second.type)) + ", read as " +
                                            std::string(to_string(type)));
  }
  return it->second;
}

std::int64_t Options::integer(std::string_view name) const { return find(name, OptionType::integer).integer; }
double Options::real(std::string_view name) const { return find(name, OptionType::real).real; }
bool Options::flag(std::string_view name) const { return find(name, OptionType::flag).flag; }
const std::string& Options::string(std::string_view name) const {
  find(name, OptionType::string);
  return text_.find(name)->second;
}

}  // namespace cohort::mapreduce
