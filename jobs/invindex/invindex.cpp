// invindex: an inverted index — for each word, the sorted list of input files
// it occurs in. Words as in wordcount (runs of ASCII letters and digits,
// lowercased). Output: "word<TAB>file1,file2,..." lines sorted by word; a file
// is named relative to the --input directory it was found in (or as given, for
// a file argument), with '\' ',' TAB and newline escaped as \\ \, \t \n.

#include <cohort/mapreduce/plugin.hpp>
#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/typed_job.hpp>

#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using namespace cohort::mapreduce;
using Files = std::vector<std::string>;  // sorted, distinct

void escape_into(std::string& out, std::string_view name) {
  for (char c : name) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ',': out += "\\,"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

class InvertedIndex : public TypedJob<InvertedIndex, std::string, Files> {
 public:
  static constexpr const char* kName = "invindex";
  static constexpr const char* kSummary = "inverted index: each word and the files it occurs in";
  static constexpr const char* kVersion = "1.0";

  void map(const Split& split, Emit<std::string, Files>& emit) const {
    // A split may hold several files (small ones are packed together): index each range on its own.
    std::unordered_set<std::string, detail::KeyHash<std::string>, std::equal_to<>> seen;
    for (const FileRange& range : split.ranges) {
      Split one;
      one.ranges.push_back(range);
      seen.clear();
      for_each_word(one, [&](const FileRange&, std::string_view w) {
        if (seen.find(w) == seen.end()) seen.emplace(w);
      });
      for (const std::string& w : seen) emit(w, Files{range.name});
    }
  }
  void combine(const std::string&, Files& acc, Files&& more) const {
    if (more.size() == 1 && !acc.empty() && acc.back() < more.front()) {
      acc.push_back(std::move(more.front()));  // the common case: files arrive in order
      return;
    }
    Files merged;
    merged.reserve(acc.size() + more.size());
    std::set_union(std::make_move_iterator(acc.begin()), std::make_move_iterator(acc.end()),
                   std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
                   std::back_inserter(merged));
    acc = std::move(merged);
  }
  void reduce(const std::string& word, std::span<const Files> files, Emit<std::string, Files>& out) const {
    out(word, files[0]);  // the combiner merged every split's list into one
  }
  void format(const std::string& word, const Files& files, std::string& line) const {
    line += word;
    line += '\t';
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (i != 0) line += ',';
      escape_into(line, files[i]);
    }
    line += '\n';
  }
};

}  // namespace

COHORT_JOB(InvertedIndex)
