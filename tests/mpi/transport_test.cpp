// Transport: byte messages of every size, many in flight, all ranks to one.
// Every test is SPMD: all ranks run it, each checks what it received.
#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/cluster/transport.hpp>
#include <cohort/core/error.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using cohort::cluster::Transport;
using Bytes = Transport::Bytes;

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// Polls until `done` holds. A rank stuck here would hang the job until the
// CTest timeout; abort it instead with a message saying what it waited for.
void poll_until(Transport& t, const std::function<bool()>& done, const char* waiting_for) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    t.poll();
    if (std::chrono::steady_clock::now() > deadline)
      cohort::cluster::abort_job(std::string("transport test stuck waiting for ") + waiting_for,
                                 cohort::cluster::exit_code::kInternalError);
  }
}

// Message: [u32 sequence][u32 source][payload bytes derived from both].
Bytes make_message(std::uint32_t seq, std::uint32_t source, std::size_t size) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::byte>((i * 131 + seq * 7 + source) & 0xff);
  if (size >= 8) {
    std::memcpy(b.data(), &seq, 4);
    std::memcpy(b.data() + 4, &source, 4);
  }
  return b;
}

bool same_bytes(std::span<const std::byte> a, const Bytes& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

class TransportSizes : public testing::TestWithParam<std::size_t> {};

// Rank 0 pings every rank (itself included) with a message of the given size;
// each rank echoes it back; rank 0 checks the echo byte for byte.
TEST_P(TransportSizes, PingPongEchoesExactBytes) {
  const std::size_t size = GetParam();
  const int rank = world_rank(), n = world_size();
  int echoes = 0, pings = 0, bad = 0;
  Transport* self = nullptr;
  Transport t([&](int source, std::span<const std::byte> bytes) {
    // The last byte marks a ping (1) or an echo (2).
    if (bytes.empty()) {
      ++bad;
      return;
    }
    std::byte marker = bytes.back();
    auto body = bytes.first(bytes.size() - 1);
    if (marker == std::byte{1}) {
      ++pings;
      Bytes echo(body.begin(), body.end());
      echo.push_back(std::byte{2});
      self->send(source, std::move(echo));
    } else {
      ++echoes;
      if (!same_bytes(body, make_message(0, static_cast<std::uint32_t>(source), size))) ++bad;
    }
  });
  self = &t;
  if (rank == 0) {
    for (int dest = 0; dest < n; ++dest) {
      Bytes ping = make_message(0, static_cast<std::uint32_t>(dest), size);
      ping.push_back(std::byte{1});
      t.send(dest, std::move(ping));
    }
    poll_until(t, [&] { return echoes == n && pings == 1; }, "echoes");
  } else {
    poll_until(t, [&] { return pings == 1; }, "a ping");
  }
  EXPECT_TRUE(t.flush(std::chrono::seconds(30)));
  EXPECT_EQ(t.pending_sends(), 0u);
  EXPECT_EQ(bad, 0);
  EXPECT_TRUE(t.close());
}

INSTANTIATE_TEST_SUITE_P(Sizes, TransportSizes,
                         testing::Values(std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{4096},
                                         std::size_t{64 * 1024 + 1}, std::size_t{1 << 20}));

// Each rank fires 2000 messages at its right neighbour without waiting, then
// checks that the 2000 from its left neighbour arrive complete and in order.
TEST(Transport, ManyMessagesInFlightArriveInOrder) {
  constexpr std::uint32_t kCount = 2000;
  const int rank = world_rank(), n = world_size();
  const int right = (rank + 1) % n, left = (rank + n - 1) % n;
  std::uint32_t next = 0;
  int bad = 0;
  Transport t([&](int source, std::span<const std::byte> bytes) {
    std::size_t size = 8 + (next % 7) * 300;  // mixed sizes
    if (source != left || !same_bytes(bytes, make_message(next, static_cast<std::uint32_t>(left), size))) ++bad;
    ++next;
  });
  for (std::uint32_t i = 0; i < kCount; ++i) {
    Bytes b = t.take_buffer();
    Bytes m = make_message(i, static_cast<std::uint32_t>(rank), 8 + (i % 7) * 300);
    b.assign(m.begin(), m.end());
    t.send(right, std::move(b));
  }
  poll_until(t, [&] { return next == kCount; }, "messages from the left neighbour");
  EXPECT_TRUE(t.flush(std::chrono::seconds(30)));
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(t.stats().messages_sent, kCount);
  EXPECT_EQ(t.stats().messages_received, kCount);
}

// Every rank (0 included) sends 500 messages to rank 0, which counts them per
// source and checks the per-source order.
TEST(Transport, AllRanksToRankZero) {
  constexpr std::uint32_t kCount = 500;
  const int rank = world_rank(), n = world_size();
  std::map<int, std::uint32_t> seen;
  int bad = 0;
  Transport t([&](int source, std::span<const std::byte> bytes) {
    std::uint32_t& expect = seen[source];
    if (!same_bytes(bytes, make_message(expect, static_cast<std::uint32_t>(source), 64))) ++bad;
    ++expect;
  });
  for (std::uint32_t i = 0; i < kCount; ++i) t.send(0, make_message(i, static_cast<std::uint32_t>(rank), 64));
  if (rank == 0) {
    std::uint64_t total = static_cast<std::uint64_t>(kCount) * static_cast<std::uint64_t>(n);
    poll_until(t, [&] { return t.stats().messages_received == total; }, "messages from every rank");
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(n));
    for (auto& [source, count] : seen) EXPECT_EQ(count, kCount) << "from rank " << source;
  }
  EXPECT_TRUE(t.flush(std::chrono::seconds(30)));
  EXPECT_EQ(bad, 0);
}

TEST(Transport, RejectsABadRankAndSendAfterClose) {
  Transport t([](int, std::span<const std::byte>) {});
  EXPECT_THROW(t.send(world_size(), Bytes(1)), cohort::Error);
  EXPECT_THROW(t.send(-1, Bytes(1)), cohort::Error);
  EXPECT_TRUE(t.close());
  EXPECT_THROW(t.send(0, Bytes(1)), cohort::Error);
  EXPECT_FALSE(t.poll());
}

}  // namespace
