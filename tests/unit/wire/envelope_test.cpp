#include <cohort/wire/envelope.hpp>

#include "wire_test_util.hpp"

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cohort::wire {
namespace {

using test::bytes_of;

std::vector<std::byte> sample(std::string_view payload = "hello, ranks") {
  EnvelopeHeader h;
  h.kind = MessageKind::task_batch;
  h.batch_id = 0x0102030405060708;
  h.session_id = 42;
  return encode_envelope(h, bytes_of(payload));
}

template <class T>
void poke(std::vector<std::byte>& m, std::size_t at, T v) {
  std::memcpy(m.data() + at, &v, sizeof(T));
}

// Rewrites a field and fixes the checksum, so the check under test is the one that fires.
template <class T>
void poke_sealed(std::vector<std::byte>& m, std::size_t at, T v) {
  poke(m, at, v);
  poke(m, 12, envelope_header_checksum(std::span(m).first(kHeaderSize)));
}

std::string decode_error_of(const std::vector<std::byte>& m, int rank = 3, DecodeLimits limits = {}) {
  try {
    decode_envelope(m, rank, limits);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.source_rank(), rank);
    return e.what();
  }
  ADD_FAILURE() << "decoded without error";
  return {};
}

TEST(Envelope, RoundTrip) {
  const auto m = sample();
  ASSERT_EQ(m.size(), kHeaderSize + 12);
  const EnvelopeView v = decode_envelope(m, 1);
  EXPECT_EQ(v.header.kind, MessageKind::task_batch);
  EXPECT_EQ(v.header.flags, 0u);
  EXPECT_EQ(v.header.batch_id, 0x0102030405060708u);
  EXPECT_EQ(v.header.session_id, 42u);
  EXPECT_EQ(v.header.payload_size, 12u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.payload.data()), v.payload.size()), "hello, ranks");
  EXPECT_EQ(v.payload.data(), m.data() + kHeaderSize) << "the payload is a view, not a copy";
}

TEST(Envelope, EmptyPayloadAndEveryKind) {
  for (auto kind : {MessageKind::task_batch, MessageKind::result_batch, MessageKind::control,
                    MessageKind::shuffle_data, MessageKind::task_array, MessageKind::result_array}) {
    EnvelopeHeader h;
    h.kind = kind;
    const auto m = encode_envelope(h, {});
    EXPECT_EQ(m.size(), kHeaderSize);
    EXPECT_EQ(decode_envelope(m, 0).header.kind, kind);
    EXPECT_NE(to_string(kind), "unknown");
  }
}

TEST(Envelope, LayoutIsLittleEndianAndFixed) {
  const auto m = sample();
  EXPECT_EQ(std::memcmp(m.data(), "CHRT", 4), 0);
  EXPECT_EQ(static_cast<unsigned char>(m[4]), kFormatVersion);
  EXPECT_EQ(static_cast<unsigned char>(m[5]), 0);
  EXPECT_EQ(static_cast<unsigned char>(m[6]), 1);  // task_batch
  EXPECT_EQ(static_cast<unsigned char>(m[16]), 0x08);  // batch id, low byte first
  EXPECT_EQ(static_cast<unsigned char>(m[32]), 12);    // payload length
}

TEST(EnvelopeGarbage, BadMagic) {
  auto m = sample();
  m[0] = std::byte{'X'};
  const auto e = decode_error_of(m);
  EXPECT_NE(e.find("bad magic"), std::string::npos) << e;
  EXPECT_NE(e.find("rank 3"), std::string::npos) << e;
}

TEST(EnvelopeGarbage, UnknownVersion) {
  auto m = sample();
  poke<std::uint16_t>(m, 4, 2);
  const auto e = decode_error_of(m);
  EXPECT_NE(e.find("unknown format version 2"), std::string::npos) << e;
}

TEST(EnvelopeGarbage, BadChecksum) {
  auto m = sample();
  m[20] ^= std::byte{1};  // batch id changed, checksum not
  EXPECT_NE(decode_error_of(m).find("checksum"), std::string::npos);
}

TEST(EnvelopeGarbage, UnknownKind) {
  for (std::uint16_t kind : {0, 7, 999, 65535}) {
    auto m = sample();
    poke_sealed<std::uint16_t>(m, 6, kind);
    const auto e = decode_error_of(m);
    EXPECT_NE(e.find("unknown message kind " + std::to_string(kind)), std::string::npos) << e;
  }
}

TEST(EnvelopeGarbage, UnknownFlags) {
  auto m = sample();
  poke_sealed<std::uint32_t>(m, 8, 4);
  EXPECT_NE(decode_error_of(m).find("unknown flags"), std::string::npos);
}

TEST(EnvelopeGarbage, PayloadLengthOverCap) {
  auto m = sample();
  DecodeLimits small;
  small.max_payload_bytes = 8;
  EXPECT_NE(decode_error_of(m, 3, small).find("over the cap of 8"), std::string::npos);
}

TEST(EnvelopeGarbage, PayloadLengthPastBuffer) {
  auto m = sample();
  poke_sealed<std::uint64_t>(m, 32, 13);
  EXPECT_NE(decode_error_of(m).find("runs past the end"), std::string::npos);
}

TEST(EnvelopeGarbage, PayloadLengthTwoToThe63) {
  auto m = sample();
  poke_sealed<std::uint64_t>(m, 32, std::uint64_t{1} << 63);
  EXPECT_NE(decode_error_of(m).find("over the cap"), std::string::npos);
  DecodeLimits no_cap;
  no_cap.max_payload_bytes = ~std::uint64_t{0};
  EXPECT_NE(decode_error_of(m, 3, no_cap).find("runs past the end"), std::string::npos);
}

TEST(EnvelopeGarbage, TrailingBytes) {
  auto m = sample();
  m.push_back(std::byte{0});
  EXPECT_NE(decode_error_of(m).find("trailing"), std::string::npos);
}

TEST(EnvelopeGarbage, EveryTruncation) {
  const auto m = sample();
  for (std::size_t cut = 0; cut < m.size(); ++cut) {
    std::vector<std::byte> part(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW(decode_envelope(part, 0), DecodeError) << "cut at " << cut;
  }
}

TEST(EnvelopeGarbage, RandomBytes) {
  std::mt19937_64 rng(20240611);
  int decoded = 0;
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> m(rng() % 96);
    for (auto& b : m) b = static_cast<std::byte>(rng());
    if (i % 2 == 0 && m.size() >= 4) std::memcpy(m.data(), "CHRT", 4);  // get past the magic half the time
    try {
      decode_envelope(m, 7);
      ++decoded;
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 7);
    }
  }
  EXPECT_EQ(decoded, 0) << "random bytes should not pass the checksum";
}

TEST(Envelope, WriteHeaderRefusesShortOutput) {
  std::vector<std::byte> out(kHeaderSize - 1);
  EXPECT_THROW(write_envelope_header(out, EnvelopeHeader{}), Error);
}

}  // namespace
}  // namespace cohort::wire
