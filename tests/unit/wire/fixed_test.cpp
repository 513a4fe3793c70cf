// The codec's fast path for arithmetic and enum values (fixed.hpp): the same
// bytes, checks and error messages as the Boost archive path, so a peer on
// either path reads the other.
#include <cohort/wire/codec.hpp>
#include <cohort/wire/fixed.hpp>

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace cohort::wire {
namespace {

enum Plain { kZero, kOne, kBig = 1 << 20 };
enum class Small : std::uint8_t { a = 1, b = 200 };
enum class Wide : std::int64_t { low = -5, high = std::int64_t{1} << 40 };  // Boost keeps the low 32 bits (int)

static_assert(is_fixed_wire_v<int> && is_fixed_wire_v<bool> && is_fixed_wire_v<double> && is_fixed_wire_v<Small>);
static_assert(!is_fixed_wire_v<std::string> && !is_fixed_wire_v<const int> && !is_fixed_wire_v<int*>);
static_assert(fixed_wire_size_v<Small> == 4 && fixed_wire_size_v<Wide> == 4 && fixed_wire_size_v<bool> == 1);
static_assert(fixed_wire_size_of_v<int, double, bool> == 13 && fixed_wire_size_of_v<> == 0);

/// The bytes the Boost archive path writes for `values...`.
template <class... A>
std::vector<std::byte> archive_bytes(const A&... values) {
  std::vector<std::byte> out;
  OutArchive ar(out);
  ((ar << values), ...);
  return out;
}

/// Decodes with the archive path, whatever the types (what a peer without the fast path does).
template <class... A>
std::tuple<A...> archive_decode(std::span<const std::byte> bytes, int rank, std::uint64_t task_id) {
  std::tuple<A...> values{};
  detail::read_archive(bytes, rank, "arguments", task_id,
                       [&](InArchive& ar) { std::apply([&](auto&... v) { ((ar >> v), ...); }, values); });
  return values;
}

template <class... A>
void expect_same_bytes(const A&... values) {
  std::vector<std::byte> fast;
  write_values(fast, values...);
  EXPECT_EQ(fast, archive_bytes(values...));
  EXPECT_EQ(decode_args<A...>(fast, 0), std::make_tuple(values...));          // fast reads fast
  EXPECT_EQ(archive_decode<A...>(fast, 0, 1), std::make_tuple(values...));     // archive reads fast
  EXPECT_EQ(decode_args<A...>(archive_bytes(values...), 0), std::make_tuple(values...));  // fast reads archive
}

TEST(FixedWire, EveryArithmeticTypeWritesTheArchiveBytes) {
  expect_same_bytes(true);
  expect_same_bytes(false);
  expect_same_bytes('x', static_cast<signed char>(-3), static_cast<unsigned char>(250));
  expect_same_bytes(L'w', u'u', U'U');
  expect_same_bytes(static_cast<short>(-12345), static_cast<unsigned short>(54321));
  expect_same_bytes(std::numeric_limits<int>::min(), std::numeric_limits<unsigned>::max());
  expect_same_bytes(std::numeric_limits<long>::min(), std::numeric_limits<unsigned long>::max());
  expect_same_bytes(-1LL, 0xFEDCBA9876543210ULL);
  expect_same_bytes(std::int8_t{-1}, std::uint16_t{2}, std::int32_t{-3}, std::uint64_t{1} << 63);
  expect_same_bytes(1.5f, -0.0, std::numeric_limits<double>::infinity(), std::numeric_limits<float>::denorm_min());
  expect_same_bytes(std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest());
}

TEST(FixedWire, EnumsTravelAsIntLikeBoost) {
  expect_same_bytes(kZero, kOne, kBig);
  expect_same_bytes(Small::a, Small::b);
  expect_same_bytes(Wide::low);
  std::vector<std::byte> fast;
  write_values(fast, Wide::high);
  EXPECT_EQ(fast, archive_bytes(Wide::high));  // both truncate to int the same way
  ASSERT_EQ(fast.size(), 4u);
}

TEST(FixedWire, NaNBitsSurvive) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::byte> fast;
  write_values(fast, nan);
  EXPECT_EQ(fast, archive_bytes(nan));
  const double back = decode_value<double>(fast, 0);
  EXPECT_EQ(std::memcmp(&back, &nan, sizeof nan), 0);
}

TEST(FixedWire, WriteValuesAppends) {
  std::vector<std::byte> out{std::byte{9}};
  write_values(out, 1, 2.0);
  ASSERT_EQ(out.size(), 1u + 4 + 8);
  EXPECT_EQ(out[0], std::byte{9});
  EXPECT_EQ((decode_args<int, double>(std::span(out).subspan(1), 0)), std::make_tuple(1, 2.0));
}

TEST(FixedWire, ResultsDecodeOnTheFastPath) {
  ResultBatchWriter w;
  w.add_value(1, 0, encode_value(std::uint64_t{77}));
  w.add_value(2, 0, {});
  w.add_value(3, 0, encode_value(7));
  const ResultBatch r = ResultBatch::decode(w.finish(1), 2);
  EXPECT_EQ(decode_result<std::uint64_t>(r[0], 2, "h"), 77u);
  EXPECT_NO_THROW(decode_result<void>(r[1], 2, "h"));
  EXPECT_THROW(decode_result<void>(r[2], 2, "h"), DecodeError);
  EXPECT_THROW(decode_result<std::uint64_t>(r[2], 2, "h"), DecodeError);
}

// ---- garbage: the fast path refuses what the archive path refuses, with the same words

template <class... A>
std::string fast_error(std::span<const std::byte> bytes) {
  try {
    (void)decode_args<A...>(bytes, 3, 17);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.source_rank(), 3);
    return e.what();
  }
  ADD_FAILURE() << "fast path decoded without error";
  return {};
}

template <class... A>
std::string archive_error(std::span<const std::byte> bytes) {
  try {
    (void)archive_decode<A...>(bytes, 3, 17);
  } catch (const DecodeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "archive path decoded without error";
  return {};
}

TEST(FixedWireGarbage, EveryTruncationFailsLikeTheArchive) {
  const auto bytes = encode_args(std::int16_t{1}, 2.5, true, Small::b);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    const auto part = std::span(bytes).first(cut);
    const std::string fast = fast_error<std::int16_t, double, bool, Small>(part);
    EXPECT_EQ(fast, (archive_error<std::int16_t, double, bool, Small>(part))) << "cut at " << cut;
    EXPECT_NE(fast.find("arguments of task 17: truncated"), std::string::npos) << fast;
  }
}

TEST(FixedWireGarbage, LeftoverBytesFailLikeTheArchive) {
  const auto bytes = encode_args(1, 2, 3);
  const std::string fast = fast_error<int, int>(bytes);
  EXPECT_EQ(fast, (archive_error<int, int>(bytes)));
  EXPECT_NE(fast.find("4 bytes left over"), std::string::npos) << fast;
  EXPECT_NE(fast_error<>(bytes).find("12 bytes left over"), std::string::npos);
}

TEST(FixedWireGarbage, BadBoolFailsLikeTheArchive) {
  auto bytes = encode_args(5, true);
  bytes[4] = std::byte{2};
  const std::string fast = fast_error<int, bool>(bytes);
  EXPECT_EQ(fast, (archive_error<int, bool>(bytes)));
  EXPECT_NE(fast.find("a bool holds byte 2"), std::string::npos) << fast;
}

TEST(FixedWireGarbage, RandomBytesNeverCrash) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> bytes(rng() % 24);
    for (auto& b : bytes) b = static_cast<std::byte>(rng() % 3);
    bool fast_ok = true, archive_ok = true;
    std::tuple<int, bool, double, Small> fast{}, slow{};
    try {
      fast = decode_args<int, bool, double, Small>(bytes, 0);
    } catch (const DecodeError&) {
      fast_ok = false;
    }
    try {
      slow = archive_decode<int, bool, double, Small>(bytes, 0, 0);
    } catch (const DecodeError&) {
      archive_ok = false;
    }
    ASSERT_EQ(fast_ok, archive_ok) << "size " << bytes.size();
    if (fast_ok) {
      EXPECT_EQ(std::get<0>(fast), std::get<0>(slow));
      EXPECT_EQ(std::get<1>(fast), std::get<1>(slow));
      EXPECT_EQ(std::get<3>(fast), std::get<3>(slow));
    }
  }
}

}  // namespace
}  // namespace cohort::wire
