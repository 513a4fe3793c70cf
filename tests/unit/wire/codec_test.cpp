// Typed encoding: archives, encode/decode of values and argument lists,
// add_task(), decode_result().
#include <cohort/wire/codec.hpp>

#include <cohort/core/error.hpp>

#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cohort::wire {
namespace {

struct Point {
  double x = 0, y = 0;
  std::string label;
  template <class Ar>
  void serialize(Ar& ar, unsigned) {
    ar & x & y & label;
  }
  friend bool operator==(const Point&, const Point&) = default;
};

using Complex = std::map<std::string, std::vector<std::pair<int, Point>>>;

Complex sample_complex() {
  return {{"a", {{1, {1.5, -2, "p"}}, {2, {0, 0, ""}}}}, {"bb", {}}, {"c", {{3, {3, 4, std::string(100, 'z')}}}}};
}

template <class T>
std::string decode_error_of(std::span<const std::byte> bytes) {
  try {
    (void)decode_value<T>(bytes, 5, "value", 12);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.source_rank(), 5);
    return e.what();
  }
  ADD_FAILURE() << "decoded without error";
  return {};
}

TEST(Codec, RoundTripValues) {
  EXPECT_EQ(decode_value<int>(encode_value(42), 0), 42);
  EXPECT_EQ(decode_value<std::string>(encode_value(std::string("hi")), 0), "hi");
  EXPECT_EQ(decode_value<std::string>(encode_value(std::string()), 0), "");
  EXPECT_EQ(decode_value<std::vector<int>>(encode_value(std::vector<int>{1, 2, 3}), 0), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(decode_value<std::vector<std::string>>(encode_value(std::vector<std::string>{"x", "", "yz"}), 0),
            (std::vector<std::string>{"x", "", "yz"}));
  EXPECT_EQ(decode_value<Point>(encode_value(Point{1, 2, "p"}), 0), (Point{1, 2, "p"}));
  EXPECT_EQ(decode_value<Complex>(encode_value(sample_complex()), 0), sample_complex());
  EXPECT_EQ(decode_value<bool>(encode_value(true), 0), true);
}

TEST(Codec, RoundTripArgumentLists) {
  const auto bytes = encode_args(7, std::string("seven"), std::vector<double>{7.5}, Point{7, 7, "7"});
  const auto [i, s, v, p] = decode_args<int, std::string, std::vector<double>, Point>(bytes, 0);
  EXPECT_EQ(i, 7);
  EXPECT_EQ(s, "seven");
  EXPECT_EQ(v, std::vector<double>{7.5});
  EXPECT_EQ(p, (Point{7, 7, "7"}));
  EXPECT_TRUE(encode_args().empty());
  EXPECT_EQ(decode_args<>(encode_args(), 0), std::tuple<>{});
}

TEST(Codec, BytesAreThoseOfBoostBinaryArchive) {
  // The payload format is Boost's binary archive (no header): a reader with
  // binary_iarchive could read it, and the format is Boost's, not ours.
  const Complex value = sample_complex();
  std::ostringstream os;
  {
    boost::archive::binary_oarchive oa(os, boost::archive::no_header | boost::archive::no_codecvt);
    oa << 5 << std::string("s") << std::vector<int>{1, 2} << value;
  }
  const auto ours = encode_args(5, std::string("s"), std::vector<int>{1, 2}, value);
  const std::string boosts = os.str();
  ASSERT_EQ(ours.size(), boosts.size());
  EXPECT_EQ(std::memcmp(ours.data(), boosts.data(), ours.size()), 0);
}

TEST(CodecGarbage, LeftoverBytesMeanTypesDisagree) {
  const auto e = decode_error_of<int>(encode_args(1, 2));
  EXPECT_NE(e.find("4 bytes left over"), std::string::npos) << e;
  EXPECT_NE(e.find("value of task 12"), std::string::npos) << e;
}

TEST(CodecGarbage, IntBytesReadAsString) {
  const auto e = decode_error_of<std::string>(encode_value(41));
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST(CodecGarbage, HugeStringLengthAllocatesNothing) {
  auto bytes = encode_value(std::string("abc"));
  const std::uint64_t huge = std::uint64_t{1} << 62;
  std::memcpy(bytes.data(), &huge, 8);
  const auto e = decode_error_of<std::string>(bytes);
  EXPECT_NE(e.find("claims 4611686018427387904 characters"), std::string::npos) << e;
}

TEST(CodecGarbage, HugeCollectionCountAllocatesNothing) {
  for (std::uint64_t huge : {std::uint64_t{1} << 62, std::uint64_t{1} << 40, std::uint64_t{100}}) {
    auto v = encode_value(std::vector<std::string>{"a", "b"});
    std::memcpy(v.data() + 5, &huge, 8);  // after the class info (tracking byte, u32 version)
    EXPECT_NE(decode_error_of<std::vector<std::string>>(v).find("elements but only"), std::string::npos);
    auto w = encode_value(std::vector<int>{1, 2});
    std::memcpy(w.data(), &huge, 8);
    EXPECT_NE(decode_error_of<std::vector<int>>(w).find("elements but only"), std::string::npos);
  }
}

TEST(CodecGarbage, BadBool) {
  std::vector<std::byte> b{std::byte{7}};
  EXPECT_NE(decode_error_of<bool>(b).find("bool holds byte 7"), std::string::npos);
}

TEST(CodecGarbage, EveryTruncationOfAComplexValue) {
  const auto bytes = encode_value(sample_complex());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW((void)decode_value<Complex>(std::span(bytes).first(cut), 1), DecodeError) << "cut at " << cut;
  }
}

TEST(CodecGarbage, RandomBytesAsComplexValue) {
  std::mt19937_64 rng(7);
  const auto good = encode_value(sample_complex());
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::byte> bytes;
    if (i % 2) {
      bytes.resize(rng() % 64);
      for (auto& b : bytes) b = static_cast<std::byte>(rng() % 3);  // small counts and lengths
    } else {
      bytes = good;
      bytes[rng() % bytes.size()] = static_cast<std::byte>(rng());
    }
    try {
      (void)decode_value<Complex>(bytes, 2);
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 2);
    }
  }
}

TEST(Codec, AddTaskEncodesInPlace) {
  TaskBatchWriter w;
  add_task(w, 1, 0, "f", 3, std::string("x"));
  add_task(w, 2, 0, "g");
  const TaskBatch b = TaskBatch::decode(w.finish(1), 0);
  ASSERT_EQ(b.size(), 2u);
  const auto [n, s] = decode_args<int, std::string>(b[0].args, 0, b[0].id);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(s, "x");
  EXPECT_TRUE(b[1].args.empty());
}

struct Unencodable {
  template <class Ar>
  void serialize(Ar&, unsigned) {
    throw std::runtime_error("cannot encode");
  }
};

TEST(Codec, AddTaskDropsATaskWhoseEncodingThrows) {
  TaskBatchWriter w;
  add_task(w, 1, 0, "f", 1);
  EXPECT_THROW(add_task(w, 2, 0, "f", Unencodable{}), std::runtime_error);
  add_task(w, 3, 0, "f", 3);
  const TaskBatch b = TaskBatch::decode(w.finish(1), 0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].id, 3u);
  EXPECT_EQ(std::get<0>(decode_args<int>(b[1].args, 0)), 3);
}

TEST(Codec, DecodeResult) {
  ResultBatchWriter w;
  auto& buf = w.begin_value(1, 0);
  write_values(buf, std::vector<int>{4, 5});
  w.end_value(1, 2);
  w.add_value(2, 0, {});
  w.add_error(3, 0, Errc::remote_error, "std::logic_error", "nope");
  w.add_value(4, 0, encode_value(1.5));
  const ResultBatch r = ResultBatch::decode(w.finish(9), 4);
  EXPECT_EQ(decode_result<std::vector<int>>(r[0], 4, "h"), (std::vector<int>{4, 5}));
  EXPECT_NO_THROW(decode_result<void>(r[1], 4, "h"));
  try {
    decode_result<int>(r[2], 4, "host4");
    FAIL();
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.task_id(), 3u);
    EXPECT_EQ(e.rank(), 4);
    EXPECT_EQ(e.host(), "host4");
    EXPECT_EQ(e.type(), "std::logic_error");
    EXPECT_EQ(e.message(), "nope");
  }
  EXPECT_THROW(decode_result<void>(r[3], 4, "h"), DecodeError) << "a value where void was expected";
  try {
    decode_result<std::string>(r[3], 4, "h");
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("result of task 4"), std::string::npos) << e.what();
    EXPECT_EQ(e.source_rank(), 4);
  }
}

}  // namespace
}  // namespace cohort::wire
