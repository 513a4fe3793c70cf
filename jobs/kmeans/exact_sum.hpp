#pragma once
// ExactSum: the exact sum of any number of doubles, as a fixed-point integer
// wide enough for every finite double (2^-1074 .. 2^1024) plus 64 bits of
// headroom. Addition is exact, hence associative and commutative: however the
// points were split between ranks and threads, the sums — and so the
// centroids — come out bit for bit the same.
//
// Thread safety: a plain value.
//
// - add(x) takes a finite double (the caller rejects inf/NaN); add(other) merges.
// - to_double() rounds the exact value to the nearest double (ties to even),
//   except in the subnormal range where it may round twice (still deterministic).
// - 34 words (272 bytes); the codec writes only the significant words.

#include <cohort/mapreduce/codec.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace cohort_jobs {

class ExactSum {
 public:
  static constexpr int kWords = 34;  // 2176 bits >= 1074 + 1024 + 64 headroom + sign

  void add(double x) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const auto exp = static_cast<int>((bits >> 52) & 0x7ff);
    std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
    if (exp == 0 && mant == 0) return;
    int shift;  // x = mant * 2^(shift - 1074)
    if (exp == 0) {
      shift = 0;
    } else {
      mant |= std::uint64_t{1} << 52;
      shift = exp - 1;
    }
    const int word = shift / 64, bit = shift % 64;
    const std::uint64_t lo = mant << bit;
    const std::uint64_t hi = bit == 0 ? 0 : mant >> (64 - bit);
    if ((bits >> 63) == 0) {
      add_at(word, lo, hi);
    } else {
      sub_at(word, lo, hi);
    }
  }

  void add(const ExactSum& o) noexcept {
    unsigned carry = 0;
    for (int i = 0; i < kWords; ++i) {
      const std::uint64_t a = w_[i], b = o.w_[i];
      const std::uint64_t s = a + b;
      const unsigned c1 = s < a;
      const std::uint64_t t = s + carry;
      const unsigned c2 = t < s;
      w_[i] = t;
      carry = c1 | c2;
    }
  }

  bool negative() const noexcept { return (w_[kWords - 1] >> 63) != 0; }
  bool zero() const noexcept {
    for (auto x : w_) {
      if (x != 0) return false;
    }
    return true;
  }

  double to_double() const noexcept {
    std::array<std::uint64_t, kWords> m = w_;
    const bool neg = negative();
    if (neg) negate(m);
    int top = kWords - 1;
    while (top >= 0 && m[top] == 0) --top;
    if (top < 0) return 0.0;
    const int p = top * 64 + (63 - std::countl_zero(m[top]));  // index of the highest set bit
    double r;
    if (p < 64) {
      r = std::ldexp(static_cast<double>(m[0]), -1074);
    } else {
      const int low = p - 63;  // the 64-bit window [low, p]
      const std::uint64_t window = bits_at(m, low);
      bool sticky = false;
      for (int i = 0; i < low / 64 && !sticky; ++i) sticky = m[i] != 0;
      if (!sticky && low % 64 != 0) sticky = (m[low / 64] & ((std::uint64_t{1} << (low % 64)) - 1)) != 0;
      // The sticky bit in the LSB breaks ties the way the discarded bits would.
      r = std::ldexp(static_cast<double>(window | (sticky ? 1u : 0u)), low - 1074);
    }
    return neg ? -r : r;
  }

  friend bool operator==(const ExactSum&, const ExactSum&) = default;

  // Codec: sign, then the span of words that are not sign extension.
  void encode(cohort::mapreduce::ByteWriter& w) const {
    const std::uint64_t ext = negative() ? ~std::uint64_t{0} : 0;
    int lo = 0, hi = kWords;
    while (lo < kWords && w_[lo] == 0) ++lo;
    while (hi > lo && w_[hi - 1] == ext) --hi;
    w.varint(ext != 0 ? 1 : 0);
    w.varint(static_cast<std::uint64_t>(lo));
    w.varint(static_cast<std::uint64_t>(hi > lo ? hi - lo : 0));
    for (int i = lo; i < hi; ++i) w.raw(&w_[i], 8);
  }
  static ExactSum decode(cohort::mapreduce::ByteReader& r) {
    ExactSum s;
    const std::uint64_t sign = r.varint();
    const std::uint64_t lo = r.varint(), n = r.varint();
    if (sign > 1 || lo > kWords || n > kWords - lo) cohort::mapreduce::ByteReader::fail("bad exact sum");
    const std::uint64_t ext = sign != 0 ? ~std::uint64_t{0} : 0;
    for (std::uint64_t i = lo + n; i < kWords; ++i) s.w_[i] = ext;
    for (std::uint64_t i = lo; i < lo + n; ++i) std::memcpy(&s.w_[i], r.raw(8).data(), 8);
    return s;
  }

 private:
  void add_at(int word, std::uint64_t lo, std::uint64_t hi) noexcept {
    std::uint64_t s = w_[word] + lo;
    unsigned carry = s < lo;
    w_[word] = s;
    for (int i = word + 1; i < kWords; ++i) {
      const std::uint64_t add = (i == word + 1 ? hi : 0);
      if (add == 0 && carry == 0) break;
      const std::uint64_t t = w_[i] + add;
      const unsigned c1 = t < add;
      const std::uint64_t u = t + carry;
      const unsigned c2 = u < t;
      w_[i] = u;
      carry = c1 | c2;
    }
  }
  void sub_at(int word, std::uint64_t lo, std::uint64_t hi) noexcept {
    const std::uint64_t a = w_[word];
    w_[word] = a - lo;
    unsigned borrow = a < lo;
    for (int i = word + 1; i < kWords; ++i) {
      const std::uint64_t sub = (i == word + 1 ? hi : 0);
      if (sub == 0 && borrow == 0) break;
      const std::uint64_t b = w_[i];
      const std::uint64_t t = b - sub;
      const unsigned b1 = b < sub;
      const std::uint64_t u = t - borrow;
      const unsigned b2 = t < borrow;
      w_[i] = u;
      borrow = b1 | b2;
    }
  }
  static void negate(std::array<std::uint64_t, kWords>& m) noexcept {
    unsigned carry = 1;
    for (auto& x : m) {
      x = ~x + carry;
      carry = (carry != 0 && x == 0) ? 1 : 0;
    }
  }
  static std::uint64_t bits_at(const std::array<std::uint64_t, kWords>& m, int low) noexcept {
    const int word = low / 64, bit = low % 64;
    const std::uint64_t a = m[word] >> bit;
    const std::uint64_t b = (bit != 0 && word + 1 < kWords) ? m[word + 1] << (64 - bit) : 0;
    return a | b;
  }

  std::array<std::uint64_t, kWords> w_{};
};

}  // namespace cohort_jobs

template <>
struct cohort::mapreduce::Codec<cohort_jobs::ExactSum> {
  static void encode(ByteWriter& w, const cohort_jobs::ExactSum& s) { s.encode(w); }
  static cohort_jobs::ExactSum decode(ByteReader& r) { return cohort_jobs::ExactSum::decode(r); }
};
