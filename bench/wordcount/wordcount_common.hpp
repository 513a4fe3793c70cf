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

/// word -> count, open addressing with linear probing over dense vectors of
/// words and counts. A slot holds part of the hash, the length and the first 8
/// bytes of its word, so a lookup of a word of up to 8 bytes (most of the
/// frequent ones) reads one slot and its count and never the stored string.
/// What a careful hand-written loop would use (a node-based
/// std::unordered_map, kept as StdCounts, walks bucket -> node -> key).
class FlatCounts {
 public:
  FlatCounts() : slots_(1024) {}

  void add(std::string_view word, std::uint64_t n = 1) {
    const std::uint64_t h = hash(word);
    const std::uint32_t meta = meta_of(h, word.size());
    const std::uint64_t prefix = prefix_of(word);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>(h) & mask;
    for (;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.entry1 == 0) break;
      if (s.meta != meta || s.prefix != prefix) continue;
      if (word.size() > 8) {
        const std::string& w = words_[s.entry1 - 1];
        if (w.size() != word.size() || std::memcmp(w.data() + 8, word.data() + 8, word.size() - 8) != 0) continue;
      }
      counts_[s.entry1 - 1] += n;
      return;
    }
    words_.emplace_back(word);
    counts_.push_back(n);
    slots_[i] = {prefix, meta, static_cast<std::uint32_t>(words_.size())};
    if (words_.size() * 5 > slots_.size() * 4) grow();  // load <= 0.8: a small, cache-resident table
  }
  std::size_t size() const noexcept { return words_.size(); }
  /// fn(const std::string& word, std::uint64_t count), in first-seen order.
  template <class F>
  void for_each(F&& fn) const {
    for (std::size_t i = 0; i < words_.size(); ++i) fn(words_[i], counts_[i]);
  }

 private:
  struct Slot {
    std::uint64_t prefix = 0;  // the word's first 8 bytes, zero-padded
    std::uint32_t meta = 0;    // 24 bits of the hash, 8 of the length (255: longer)
    std::uint32_t entry1 = 0;  // entry number + 1; 0: empty
  };

  static std::uint32_t meta_of(std::uint64_t h, std::size_t size) noexcept {
    return static_cast<std::uint32_t>((h >> 40) << 8) | static_cast<std::uint32_t>(size < 255 ? size : 255);
  }
  static std::uint64_t prefix_of(std::string_view s) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, s.data(), s.size() < 8 ? s.size() : 8);
    return v;
  }
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

  // Re-inserts in first-seen order: the frequent words, met first, keep their
  // home slots, so most lookups still take one probe at a high load.
  void grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    const std::size_t mask = bigger.size() - 1;
    for (std::size_t e = 0; e < words_.size(); ++e) {
      const std::uint64_t h = hash(words_[e]);
      std::size_t i = static_cast<std::size_t>(h) & mask;
      while (bigger[i].entry1 != 0) i = (i + 1) & mask;
      bigger[i] = {prefix_of(words_[e]), meta_of(h, words_[e].size()), static_cast<std::uint32_t>(e + 1)};
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
    unsigned upper = 0;  // nonzero if the word needs lowercasing
    while (i < size && low(i)) {
      upper |= static_cast<unsigned>(low(i) ^ static_cast<unsigned char>(data[i]));
      ++i;
    }
    const std::size_t len = i - start;
    const char* word = data + start;
    if (upper != 0 || i == size) {
      char* out = buf;
      if (i == size || len > sizeof buf) {
        long_word.resize(len);
        out = long_word.data();
      }
      for (std::size_t k = 0; k < len; ++k) out[k] = static_cast<char>(low(start + k));
      word = out;
    }
    if (i == size) {  // cut by the end of the buffer: the next call finishes it
      pending.assign(word, len);
      return;
    }
    counts.add(std::string_view(word, len));
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
