#pragma once
// What the benchmark word counts share with Cohort's wordcount job: the word
// rule (a maximal run of ASCII letters and digits, lowercased; every other
// byte separates words), a hash table keyed by the word, and the output format
// ("word<TAB>count" lines, count descending, then word in byte order).
//
// Thread safety: WordCounts is a plain value; use one per thread.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bench {

/// 0 for a separator, else the lowercased byte.
inline const std::array<unsigned char, 256>& word_table() {
  static const std::array<unsigned char, 256> table = [] {
    std::array<unsigned char, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c - 'A' + 'a');
    return t;
  }();
  return table;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

using WordCounts = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

inline void add_word(WordCounts& counts, std::string_view word, std::uint64_t n = 1) {
  auto it = counts.find(word);
  if (it != counts.end())
    it->second += n;
  else
    counts.emplace(std::string(word), n);
}

/// Counts the words of [data, data + size) into `counts`; `pending` carries a
/// word cut at the end of the buffer into the next call (add it at the end).
inline void count_words(const char* data, std::size_t size, std::string& pending, WordCounts& counts) {
  const auto& table = word_table();
  auto low = [&](std::size_t i) { return table[static_cast<unsigned char>(data[i])]; };
  std::size_t i = 0;
  if (!pending.empty()) {  // finish the word the previous buffer ended in
    while (i < size && low(i)) pending.push_back(static_cast<char>(low(i++)));
    if (i == size) return;
    add_word(counts, pending);
    pending.clear();
  }
  char buf[256];
  std::string long_word;
  for (;;) {
    while (i < size && !low(i)) ++i;
    if (i == size) return;
    const std::size_t start = i;
    while (i < size && low(i)) ++i;
    const std::size_t len = i - start;
    char* out = buf;
    if (i == size || len > sizeof buf) {
      long_word.resize(len);
      out = long_word.data();
    }
    for (std::size_t k = 0; k < len; ++k) out[k] = static_cast<char>(low(start + k));
    if (i == size) {  // cut by the end of the buffer: the next call finishes it
      pending.assign(out, len);
      return;
    }
    add_word(counts, std::string_view(out, len));
  }
}

/// Sorted as the wordcount job writes it: count descending, then word.
inline std::vector<std::pair<std::string, std::uint64_t>> sorted(WordCounts counts) {
  std::vector<std::pair<std::string, std::uint64_t>> v;
  v.reserve(counts.size());
  for (auto& [w, n] : counts) v.emplace_back(std::move(const_cast<std::string&>(w)), n);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return v;
}

/// Writes "word<TAB>count" lines; false on an I/O error.
inline bool write_tsv(const std::vector<std::pair<std::string, std::uint64_t>>& rows, const char* path) {
  std::FILE* f = std::fopen(path, "wb");
  if (!f) return false;
  for (const auto& [w, n] : rows) std::fprintf(f, "%s\t%llu\n", w.c_str(), static_cast<unsigned long long>(n));
  return std::fclose(f) == 0;
}

}  // namespace bench
