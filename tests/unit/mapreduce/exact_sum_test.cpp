// ExactSum (jobs/kmeans): sums that do not depend on the order or grouping of
// the terms, rounded correctly at the end.

#include "exact_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using cohort_jobs::ExactSum;

namespace {
__extension__ typedef __int128 Int128;
ExactSum sum_of(const std::vector<double>& v) {
  ExactSum s;
  for (double x : v) s.add(x);
  return s;
}
}  // namespace

TEST(ExactSum, CancellationThatPlainDoublesGetWrong) {
  ExactSum s;
  for (double x : {1e100, 1.0, -1e100, 1e-300, 3.5}) s.add(x);
  EXPECT_EQ(s.to_double(), 4.5);  // plain double summation gives 3.5 (the 1.0 is lost)
  ExactSum t;
  t.add(0.1);
  t.add(-0.1);
  EXPECT_TRUE(t.zero());
  EXPECT_EQ(t.to_double(), 0.0);
}

TEST(ExactSum, ExtremesAndSigns) {
  for (double x : {5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, -2.5, 1.0}) {
    ExactSum s;
    s.add(x);
    EXPECT_EQ(s.to_double(), x) << x;
  }
  ExactSum big;
  for (int i = 0; i < 1000; ++i) big.add(1.7976931348623157e308);  // past DBL_MAX: no overflow inside
  for (int i = 0; i < 999; ++i) big.add(-1.7976931348623157e308);
  EXPECT_EQ(big.to_double(), 1.7976931348623157e308);
}

TEST(ExactSum, MatchesIntegerArithmeticAndRoundsToNearest) {
  // Terms m * 2^e with -40 <= e <= 20 are exact in a 128-bit integer of 2^-40 units (< 2^121 in all).
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    ExactSum s;
    Int128 exact = 0;
    for (int i = 0; i < 100; ++i) {
      const auto m = static_cast<std::int64_t>(rng() % (1ull << 53)) * (rng() % 2 ? 1 : -1);
      const int e = static_cast<int>(rng() % 61) - 40;
      s.add(std::ldexp(static_cast<double>(m), e));
      exact += static_cast<Int128>(m) * (Int128{1} << (e + 40));
    }
    const double expected = std::ldexp(static_cast<double>(exact), -40);  // one correct rounding
    ASSERT_EQ(s.to_double(), expected) << trial;
  }
}

TEST(ExactSum, IndependentOfOrderAndGrouping) {
  std::mt19937_64 rng(7);
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) {
    v.push_back(std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng), static_cast<int>(rng() % 200) - 100));
  }
  const ExactSum whole = sum_of(v);
  for (std::size_t parts : {2u, 3u, 7u, 100u}) {
    std::shuffle(v.begin(), v.end(), rng);
    ExactSum merged;
    for (std::size_t p = 0; p < parts; ++p) {
      std::vector<double> chunk(v.begin() + static_cast<std::ptrdiff_t>(p * v.size() / parts),
                                v.begin() + static_cast<std::ptrdiff_t>((p + 1) * v.size() / parts));
      merged.add(sum_of(chunk));
    }
    EXPECT_EQ(merged, whole);
    EXPECT_EQ(merged.to_double(), whole.to_double());
  }
}

TEST(ExactSum, CodecRoundTripsAndRefusesGarbage) {
  for (const std::vector<double>& v : std::vector<std::vector<double>>{{}, {1.0}, {-3.25, 1e-300}, {-1e300}, {5e-324}}) {
    const ExactSum s = sum_of(v);
    std::string bytes;
    cohort::mapreduce::ByteWriter w(bytes);
    cohort::mapreduce::encode(w, s);
    EXPECT_LE(bytes.size(), 3u + 8u * 34u);
    cohort::mapreduce::ByteReader r(bytes);
    EXPECT_EQ(cohort::mapreduce::decode<ExactSum>(r), s);
    EXPECT_TRUE(r.done());
  }
  const std::string bad("\x00\x20\x05", 3);  // 5 words from word 32: past the end
  cohort::mapreduce::ByteReader r(bad);
  EXPECT_THROW(cohort::mapreduce::decode<ExactSum>(r), cohort::DecodeError);
}
