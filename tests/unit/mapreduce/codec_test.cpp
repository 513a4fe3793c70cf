// The KV codec: round trips, and garbage that must be refused without a crash
// or a huge allocation.

#include <cohort/mapreduce/codec.hpp>
#include <cohort/mapreduce/options.hpp>

#include "test_util.hpp"

#include <cmath>
#include <limits>

using namespace cohort::mapreduce;
using cohort::DecodeError;
using cohort::Errc;

namespace {
template <class T>
T round_trip(const T& v) {
  std::string bytes;
  ByteWriter w(bytes);
  encode(w, v);
  ByteReader r(bytes);
  T out = decode<T>(r);
  EXPECT_TRUE(r.done());
  return out;
}
}  // namespace

TEST(Codec, NumbersRoundTrip) {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{63}, std::int64_t{-64}, std::int64_t{1} << 40,
                         std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(round_trip(v), v);
  }
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip<std::int8_t>(-128), -128);
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(-0.0) , 0.0);
  EXPECT_TRUE(std::signbit(round_trip(-0.0)));
  EXPECT_EQ(round_trip(1e-310), 1e-310);
  EXPECT_EQ(round_trip(3.25f), 3.25f);
}

TEST(Codec, ContainersRoundTrip) {
  const std::vector<std::string> v = {"", "a", std::string(300, 'x'), std::string("nul\0inside", 10)};
  EXPECT_EQ(round_trip(v), v);
  const std::pair<std::string, std::vector<double>> p{"k", {1.5, -2}};
  EXPECT_EQ(round_trip(p), p);
  const std::tuple<int, std::string, std::array<std::uint16_t, 3>> t{-5, "t", {1, 2, 65535}};
  EXPECT_EQ(round_trip(t), t);
}

TEST(Codec, GarbageIsADecodeErrorNotACrash) {
  std::string bytes;
  ByteWriter w(bytes);
  encode(w, std::string("hello"));
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader r(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(decode<std::string>(r), DecodeError) << cut;
  }
  std::string huge;
  ByteWriter hw(huge);
  hw.varint(std::uint64_t{1} << 62);  // a vector "of 2^62 elements" in 9 bytes
  ByteReader hr(huge);
  EXPECT_THROW(decode<std::vector<std::uint64_t>>(hr), DecodeError);
  const std::string eleven(11, '\xff');
  ByteReader vr(eleven);
  EXPECT_THROW(vr.varint(), DecodeError);
  std::string big;
  ByteWriter bw(big);
  encode(bw, std::uint64_t{300});
  ByteReader br(big);
  EXPECT_THROW(decode<std::uint8_t>(br), DecodeError);
  const std::string two("\x02", 1);
  ByteReader boolr(two);
  EXPECT_THROW(decode<bool>(boolr), DecodeError);
}

TEST(Codec, HashIsFixed) {
  // The partition of a key must not depend on the build or the rank.
  EXPECT_EQ(hash_bytes(""), hash_bytes(""));
  EXPECT_NE(hash_bytes("a"), hash_bytes("b"));
  EXPECT_NE(hash_bytes("abcdefgh1"), hash_bytes("abcdefgh2"));
  // Pinned: a change here reshuffles keys between partitions of mixed-version runs.
  EXPECT_EQ(hash_bytes("the quick brown fox"), 0xcd9dcdd9c7588d2cull);
  EXPECT_EQ(hash_bytes(""), 0x21724a7d9746cd1full);
}

TEST(Options, DefaultsGivenValuesAndErrors) {
  const std::vector<OptionSpec> specs = {
      {"top", "n", "10", OptionType::integer},
      {"tolerance", "t", "1e-4", OptionType::real},
      {"label", "l", "", OptionType::string},
      {"verbose", "v", "", OptionType::flag},
  };
  Options o = parse_options("job", specs, {{"top", "-3"}, {"verbose", "yes"}});
  EXPECT_EQ(o.integer("top"), -3);
  EXPECT_TRUE(o.given("top"));
  EXPECT_FALSE(o.given("tolerance"));
  EXPECT_DOUBLE_EQ(o.real("tolerance"), 1e-4);
  EXPECT_EQ(o.string("label"), "");
  EXPECT_TRUE(o.flag("verbose"));
  EXPECT_EQ(o.values().at("tolerance"), "1e-4");
  EXPECT_FALSE(parse_options("job", specs, {}).flag("verbose"));

  using cohort::mapreduce::test::expect_error;
  expect_error([&] { parse_options("job", specs, {{"topp", "1"}}); }, Errc::invalid_argument,
               {"job 'job'", "unknown option --topp", "--top", "--tolerance"});
  expect_error([&] { parse_options("job", specs, {{"top", "ten"}}); }, Errc::invalid_argument,
               {"--top 'ten' is not an integer"});
  expect_error([&] { parse_options("job", specs, {{"top", "10x"}}); }, Errc::invalid_argument, {"'10x'"});
  expect_error([&] { parse_options("job", specs, {{"tolerance", "nan"}}); }, Errc::invalid_argument,
               {"is not a number"});
  expect_error([&] { parse_options("job", specs, {{"verbose", "maybe"}}); }, Errc::invalid_argument, {"not a flag"});
  expect_error([&] { (void)o.real("top"); }, Errc::invalid_argument, {"declared as integer"});
}
