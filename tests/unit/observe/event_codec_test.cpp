#include <cohort/core/error.hpp>
#include <cohort/observe/event_codec.hpp>

#include <gtest/gtest.h>

#include <cstring>

using namespace cohort::observe;

namespace {

Event sample(std::uint64_t i) {
  Event e;
  e.kind = EventKind::task_started;
  e.thread = static_cast<int>(i % 3);
  e.attempt = static_cast<std::uint32_t>(i % 2);
  e.peer = 0;
  e.time_ns = -static_cast<std::int64_t>(i);
  e.start_ns = 100 + static_cast<std::int64_t>(i);
  e.end_ns = 200 + static_cast<std::int64_t>(i);
  e.value = -7;
  e.id = i;
  e.batch = i / 10;
  e.count = 3;
  e.bytes = 1u << 20;
  e.name = "dropped";
  return e;
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

TEST(EventCodec, RoundTripKeepsEveryNumberAndTheSendersRank) {
  std::vector<Event> in;
  for (std::uint64_t i = 0; i < 5; ++i) in.push_back(sample(i));
  const std::string wire = encode_events(in);
  EXPECT_EQ(wire.size(), 8 + 5 * kEncodedEventBytes);
  const auto out = decode_events(bytes_of(wire), 3);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].kind, in[i].kind);
    EXPECT_EQ(out[i].rank, 3);
    EXPECT_EQ(out[i].thread, in[i].thread);
    EXPECT_EQ(out[i].attempt, in[i].attempt);
    EXPECT_EQ(out[i].time_ns, in[i].time_ns);
    EXPECT_EQ(out[i].start_ns, in[i].start_ns);
    EXPECT_EQ(out[i].end_ns, in[i].end_ns);
    EXPECT_EQ(out[i].value, in[i].value);
    EXPECT_EQ(out[i].id, in[i].id);
    EXPECT_EQ(out[i].batch, in[i].batch);
    EXPECT_EQ(out[i].count, in[i].count);
    EXPECT_EQ(out[i].bytes, in[i].bytes);
    EXPECT_TRUE(out[i].name.empty());
  }
}

TEST(EventCodec, ChunksRespectTheSizeCapAndKeepOrder) {
  EventBuffer buf;
  for (std::uint64_t i = 0; i < 1000; ++i) buf.push(sample(i));
  const auto chunks = buf.encode_chunks(8 + 64 * kEncodedEventBytes + 10);
  EXPECT_TRUE(buf.empty());
  ASSERT_EQ(chunks.size(), 16u);  // 64 per chunk: 15 full + 40
  std::uint64_t next = 0;
  for (const auto& c : chunks) {
    EXPECT_LE(c.size(), 8 + 64 * kEncodedEventBytes);
    for (const Event& e : decode_events(bytes_of(c), 1)) EXPECT_EQ(e.id, next++);
  }
  EXPECT_EQ(next, 1000u);
}

TEST(EventCodec, GarbageIsADecodeErrorNamingTheSender) {
  const std::string good = encode_events(std::vector<Event>{sample(1), sample(2)});
  auto fails = [](std::string s, const char* what) {
    try {
      decode_events(bytes_of(s), 4);
      ADD_FAILURE() << "decoded: " << what;
    } catch (const cohort::DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find("rank 4"), std::string::npos) << e.what();
    }
  };
  fails("", "empty");
  fails(good.substr(0, 7), "short header");
  fails(good.substr(0, good.size() - 1), "truncated");
  fails(good + "x", "trailing byte");
  std::string magic = good;
  magic[0] = 'X';
  fails(magic, "magic");
  std::string version = good;
  version[4] = 9;
  fails(version, "version");
  std::string kind = good;
  kind[8] = static_cast<char>(200);
  fails(kind, "kind");
  std::string count = good;
  count[6] = static_cast<char>(0xff);
  count[7] = static_cast<char>(0xff);
  fails(count, "count past the bytes");
}

TEST(ClockSync, TheShortestRoundTripWins) {
  ClockSync c;
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.rtt(), -1);
  // Worker clock = rank 0's + 1000. A slow round trip skews the estimate...
  c.add(0, 1000 + 900, 1000);  // rtt 1000, reply late: estimate 1400
  EXPECT_EQ(c.offset(), 1400);
  c.add(5000, 5000 + 1000 + 50, 5100);  // rtt 100: estimate 1000
  EXPECT_EQ(c.offset(), 1000);
  EXPECT_EQ(c.rtt(), 100);
  c.add(9000, 9000 + 3000, 10000);  // slower again: ignored
  EXPECT_EQ(c.offset(), 1000);
  c.add(20, 10, 10);  // t2 < t0: not a round trip
  EXPECT_EQ(c.samples(), 3);
}
