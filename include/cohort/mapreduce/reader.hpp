#pragma once
/// Reading the records of a split: whole lines or whole words, each exactly
/// once however the input was cut.
///
/// Thread safety: a RangeText belongs to one thread; any number of them may
/// read the same file at once.
///
/// The ownership rule: a split owns every record whose first byte lies in one
/// of its ranges. A record is a maximal run of non-separator bytes; for
/// Boundary::line the separator is '\n', for Boundary::word every byte that is
/// not an ASCII letter or digit (a line boundary is always a word boundary).
/// So a reader skips the tail of a record that began before its range, and
/// reads past its end to finish the last record it began. Each byte is looked
/// at by at most two splits: no quadratic cost, even for a 100 MB line (which
/// is read whole, by the split it starts in).
///
/// Checks (each a cohort::Error, Errc::io_error, naming the file):
/// - a NUL byte in the first 64 KiB of a file means a binary file: refused
///   (each split checks the part of the first 64 KiB that lies in its ranges);
/// - a file that cannot be opened or mapped, or whose size changed since the
///   inputs were collected.

#include <cohort/mapreduce/export.hpp>
#include <cohort/mapreduce/split.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cohort::mapreduce {

enum class Boundary { line, word };

/// Bytes scanned for a NUL to tell text from binary.
inline constexpr std::uint64_t kBinaryProbeBytes = 64 * 1024;

namespace detail {
/// 0 for a byte that separates words, else the byte lowercased (ASCII letters and digits).
inline constexpr std::array<unsigned char, 256> kWordLower = [] {
  std::array<unsigned char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c - 'A' + 'a');
  return t;
}();
}  // namespace detail

/// True for ASCII letters and digits: the bytes words are made of.
inline bool is_word_byte(char c) noexcept { return detail::kWordLower[static_cast<unsigned char>(c)] != 0; }

/// The records a split owns in one FileRange, as one view over the mapped file.
class COHORT_MAPREDUCE_EXPORT RangeText {
 public:
  RangeText(const FileRange& range, Boundary boundary);
  ~RangeText();
  RangeText(const RangeText&) = delete;
  RangeText& operator=(const RangeText&) = delete;

  /// Whole records (with the separators between them); may extend past range.end.
  std::string_view text() const noexcept { return text_; }
  /// File offset of text().data().
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::string_view text_;
  std::uint64_t offset_ = 0;
};

/// fn(const FileRange&, std::uint64_t offset, std::string_view line) for every
/// line the split owns, in order, without its '\n' (nor a '\r' before it).
template <class F>
void for_each_line(const Split& split, F&& fn) {
  for (const FileRange& range : split.ranges) {
    RangeText rt(range, Boundary::line);
    std::string_view t = rt.text();
    std::uint64_t off = rt.offset();
    while (!t.empty()) {
      const std::size_t nl = t.find('\n');
      std::string_view line = t.substr(0, nl);
      const std::size_t step = nl == std::string_view::npos ? t.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      fn(range, off, line);
      off += step;
      t.remove_prefix(step);
    }
  }
}

/// fn(const FileRange&, std::string_view word) for every word the split owns:
/// maximal runs of ASCII letters and digits, lowercased (the view is valid
/// during the call only).
template <class F>
void for_each_word(const Split& split, F&& fn) {
  const auto& low = detail::kWordLower;
  std::string lower;
  for (const FileRange& range : split.ranges) {
    RangeText rt(range, Boundary::word);
    const auto* p = reinterpret_cast<const unsigned char*>(rt.text().data());
    const auto* const end = p + rt.text().size();
    for (;;) {
      while (p != end && low[*p] == 0) ++p;
      if (p == end) break;
      const auto* const start = p;
      unsigned changed = 0;  // nonzero if the word has an upper-case letter
      do {
        changed |= static_cast<unsigned>(low[*p] ^ *p);
        ++p;
      } while (p != end && low[*p] != 0);
      const std::size_t n = static_cast<std::size_t>(p - start);
      if (changed == 0) {
        fn(range, std::string_view(reinterpret_cast<const char*>(start), n));
      } else {
        lower.resize(n);
        for (std::size_t i = 0; i < n; ++i) lower[i] = static_cast<char>(low[start[i]]);
        fn(range, std::string_view(lower));
      }
    }
  }
}

}  // namespace cohort::mapreduce
