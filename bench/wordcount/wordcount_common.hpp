#pragma once
// What the benchmark word counts (wordcount_loop, wordcount_mrmpi) share: the
// word rule of Cohort's wordcount job (a maximal run of ASCII letters and
// digits, lowercased; every other byte separates words), a table of counts
// keyed by the word, and the job's output format ("word<TAB>count" lines,
// count descending, then word in byte order).
//
// Thread safety: the tables are plain values; use one per thread.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

/// word -> count, open addressing with linear probing: 8-byte slots (half the
/// hash, entry number) over dense vectors of words and counts. What a careful hand-written
/// loop would use (a node-based std::unordered_map costs a pointer chase or
/// two per lookup; kept as StdCounts to show the difference).
class FlatCounts {
 public:
  FlatCounts() : slots_(1024) {}

  void add(std::string_view word, std::uint64_t n = 1) {
    const std::uint64_t h = hash(word);
    std::size_t i = static_cast<std::size_t>(h) & (slots_.size() - 1);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.entry1 == 0) break;
      if (s.tag == static_cast<std::uint32_t>(h >> 32)) {
        const std::string& w = words_[s.entry1 - 1];
        if (w.size() == word.size() && std::memcmp(w.data(), word.data(), word.size()) == 0) {
          counts_[s.entry1 - 1] += n;
          return;
        }
      }
    }
    words_.emplace_back(word);
    counts_.push_back(n);
    slots_[i] = {static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(words_.size())};
    if (words_.size() * 2 > slots_.size()) grow();
  }
  std::size_t size() const noexcept { return words_.size(); }
  /// fn(const std::string& word, std::uint64_t count), in first-seen order.
  template <class F>
  void for_each(F&& fn) const {
    for (std::size_t i = 0; i < words_.size(); ++i) fn(words_[i], counts_[i]);
  }

 private:
  struct Slot {  // 8 bytes: the hash's high half, and the entry
    std::uint32_t tag = 0;
    std::uint32_t entry1 = 0;  // entry number + 1; 0: empty
  };

  // 8 bytes at a time, multiply-xorshift mixing (the words are short).
  static std::uint64_t hash(std::string_view s) noexcept {
    std::uint64_t h = 0x243f6a8885a308d3ULL ^ (s.size() * 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t v;
      std::memcpy(&v, s.data() + i, 8);
      h = (h ^ v) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
    }
    if (i < s.size()) {
      std::uint64_t v = 0;
      std::memcpy(&v, s.data() + i, s.size() - i);
      h = (h ^ v) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
    }
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
  }

  void grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    for (const Slot& s : slots_) {
      if (s.entry1 == 0) continue;
      std::size_t i = static_cast<std::size_t>(hash(words_[s.entry1 - 1])) & (bigger.size() - 1);
      while (bigger[i].entry1 != 0) i = (i + 1) & (bigger.size() - 1);
      bigger[i] = s;
    }
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;
  std::vector<std::string> words_;
  std::vector<std::uint64_t> counts_;
};

/// The same interface over std::unordered_map (wordcount_loop --std-map).
class StdCounts {
 public:
  void add(std::string_view word, std::uint64_t n = 1) {
    auto it = map_.find(word);
    if (it != map_.end())
      it->second += n;
    else
      map_.emplace(std::string(word), n);
  }
  std::size_t size() const noexcept { return map_.size(); }
  template <class F>
  void for_each(F&& fn) const {
    for (const auto& [w, n] : map_) fn(w, n);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> map_;
};

using WordCounts = FlatCounts;

/// Counts the words of [data, data + size) into `counts`; `pending` carries a
/// word cut at the end of the buffer into the next call (add it at the end).
template <class Counts>
void count_words(const char* data, std::size_t size, std::string& pending, Counts& counts) {
  const auto& table = word_table();
  auto low = [&](std::size_t i) { return table[static_cast<unsigned char>(data[i])]; };
  std::size_t i = 0;
  if (!pending.empty()) {  // finish the word the previous buffer ended in
    while (i < size && low(i)) pending.push_back(static_cast<char>(low(i++)));
    if (i == size) return;
    counts.add(pending);
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
    counts.add(std::string_view(out, len));
  }
}

/// Sorted as the wordcount job writes it: count descending, then word.
template <class Counts>
std::vector<std::pair<std::string, std::uint64_t>> sorted(const Counts& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> v;
  v.reserve(counts.size());
  counts.for_each([&](const std::string& w, std::uint64_t n) { v.emplace_back(w, n); });
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
