// Peer messages (cohort/cluster/peer.hpp) under mpirun (np 1, 2, 3, 5): tasks
// on every worker send to every worker, itself included; bad peer messages are
// reported naming the sender, and the run goes on.
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/cluster/peer.hpp>
#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/registry.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using cohort::cluster::ClusterExecutor;
namespace cluster = cohort::cluster;

constexpr std::uint32_t kChannel = 11;       // the test's channel
constexpr std::uint32_t kThrowing = 12;      // a handler that refuses everything
constexpr std::uint32_t kNoHandler = 999;    // never registered
constexpr auto kWait = std::chrono::seconds(30);  // bound on a wait that should take milliseconds

// What this process received on kChannel: by source rank, in arrival order.
struct Inbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<int, std::vector<std::string>> by_source;
  std::size_t count = 0;

  void put(int source, std::span<const std::byte> bytes) {
    std::lock_guard lock(mutex);
    by_source[source].emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ++count;
    cv.notify_all();
  }
  // Waits (bounded) for `n` messages in all.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kWait, [&] { return count >= n; });
  }
  void clear() {
    std::lock_guard lock(mutex);
    by_source.clear();
    count = 0;
  }
};

Inbox& inbox() {
  static Inbox box;
  return box;
}

// Message k from `from` to `to`: sizes 0, a short text, and 300 KB (past
// Open MPI's eager limit, so the rendezvous path is used too).
std::string payload(int from, int to, int k) {
  if (k == 0) return {};
  std::string s = "from " + std::to_string(from) + " to " + std::to_string(to) + " #" + std::to_string(k) + ";";
  if (k == 2) {
    s.reserve(300'001);
    while (s.size() < 300'001) s += static_cast<char>('a' + (s.size() * 7 + static_cast<std::size_t>(from * 3 + to)) % 26);
  }
  return s;
}
constexpr int kPerPair = 3;

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

// A worker's own executor, while it serves: set by the main thread just after
// the constructor returns, which a task may beat (it waits for it, bounded).
struct ExecutorBox {
  std::mutex mutex;
  std::condition_variable cv;
  ClusterExecutor* ex = nullptr;
  void set(ClusterExecutor* e) {
    std::lock_guard lock(mutex);
    ex = e;
    cv.notify_all();
  }
  ClusterExecutor* get() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, kWait, [&] { return ex != nullptr; });
    if (ex == nullptr) throw std::runtime_error("no executor");
    return ex;
  }
} g_executor;

const cohort::wire::Registry& registry() {
  static const cohort::wire::Registry r = [] {
    cohort::wire::Registry reg;
    reg.add("peer.send_all", [] {
      const int me = cluster::peer_rank();
      for (const int to : cluster::peer_ranks())
        for (int k = 0; k < kPerPair; ++k) cluster::send_to_peer(to, kChannel, bytes_of(payload(me, to, k)));
    });
    // "" when every worker's messages arrived, exactly, in order; else what is wrong.
    reg.add("peer.check_all", [] {
      const std::vector<int> ranks = cluster::peer_ranks();
      const int me = cluster::peer_rank();
      if (!inbox().wait_for(ranks.size() * kPerPair)) return std::string("timed out waiting for the messages");
      std::lock_guard lock(inbox().mutex);
      std::string wrong;
      if (inbox().count != ranks.size() * kPerPair) wrong += "received " + std::to_string(inbox().count) + "; ";
      for (const int from : ranks) {
        const auto it = inbox().by_source.find(from);
        if (it == inbox().by_source.end() || it->second.size() != kPerPair) {
          wrong += "from rank " + std::to_string(from) + ": wrong count; ";
          continue;
        }
        for (int k = 0; k < kPerPair; ++k)
          if (it->second[static_cast<std::size_t>(k)] != payload(from, me, k))
            wrong += "from rank " + std::to_string(from) + ": message " + std::to_string(k) + " differs; ";
      }
      return wrong;
    });
    reg.add("peer.clear", [] { inbox().clear(); });
    // A peer envelope sent straight to rank 0 (which send_to_peer refuses).
    reg.add("peer.raw_to_zero", [] {
      cohort::wire::EnvelopeHeader h;
      h.kind = cohort::wire::MessageKind::shuffle_data;
      h.batch_id = kChannel;
      g_executor.get()->send_raw(0, cohort::wire::encode_envelope(h, bytes_of(std::string("for rank 0"))));
    });
    // To the next worker: a message for a channel without handler, one the
    // handler refuses, then a good one (ordered after them: once it is in, the
    // bad ones were handled).
    reg.add("peer.send_bad", [] {
      const std::vector<int> ranks = cluster::peer_ranks();
      const int me = cluster::peer_rank();
      std::size_t i = 0;
      while (ranks[i] != me) ++i;
      const int to = ranks[(i + 1) % ranks.size()];
      const std::string text = "nobody listens";
      cluster::send_to_peer(to, kNoHandler, bytes_of(text));
      cluster::send_to_peer(to, kThrowing, bytes_of(text));
      cluster::send_to_peer(to, kChannel, bytes_of(payload(me, to, 1)));
    });
    reg.add("peer.wait_one", [] { return inbox().wait_for(1); });
    // What send_to_peer says about a rank that runs no tasks ("" if it did not throw).
    reg.add("peer.send_to", [](int rank) -> std::string {
      try {
        cluster::send_to_peer(rank, kChannel, bytes_of(std::string("x")));
      } catch (const cohort::Error& e) {
        return e.what();
      }
      return "";
    });
    return reg;
  }();
  return r;
}

void register_handlers() {
  cluster::set_peer_handler(kChannel, [](int source, std::span<const std::byte> bytes) { inbox().put(source, bytes); });
  cluster::set_peer_handler(kThrowing, [](int, std::span<const std::byte>) {
    throw std::runtime_error("the test handler refuses this");
  });
}

TEST(Peer, SendingWithoutARuntimeIsAClearError) {
  try {
    cluster::send_to_peer(0, kChannel, bytes_of(std::string("x")));
    ADD_FAILURE() << "expected an error";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.code(), cohort::Errc::invalid_state);
    EXPECT_NE(std::string(e.what()).find("no cluster runtime"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(cluster::peer_ranks().empty());
  EXPECT_EQ(cluster::peer_rank(), -1);
}

TEST(Peer, EveryWorkerSendsToEveryWorkerItselfIncluded) {
  register_handlers();
  inbox().clear();
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    EXPECT_EQ(ex.serve(), cluster::exit_code::kOk);
    return;
  }
  for (int round = 0; round < 2; ++round) {  // twice: nothing left over from the first
    ex.call_on_workers<void>("peer.send_all").get();
    const std::vector<std::string> verdicts = ex.call_on_workers<std::string>("peer.check_all").get();
    ASSERT_EQ(verdicts.size(), static_cast<std::size_t>(ex.workers()));
    for (std::size_t w = 0; w < verdicts.size(); ++w) EXPECT_EQ(verdicts[w], "") << "worker " << w << ", round " << round;
    ex.call_on_workers<void>("peer.clear").get();
  }
  ex.shutdown();
  EXPECT_TRUE(ex.protocol_errors().empty());
  EXPECT_EQ(ex.exit_code(), cluster::exit_code::kOk);
}

TEST(Peer, BadPeerMessagesAreReportedNamingTheSenderAndTheRunGoesOn) {
  register_handlers();
  inbox().clear();
  ClusterExecutor ex(registry());
  if (!ex.is_root()) {
    ex.serve();
    // A worker that received the bad ones (each worker receives from the previous one).
    const auto errors = ex.protocol_errors();
    EXPECT_EQ(errors.size(), 2u);
    return;
  }
  const int n = ex.size();
  ex.call_on_workers<void>("peer.send_bad").get();
  for (const bool got : ex.call_on_workers<bool>("peer.wait_one").get()) EXPECT_TRUE(got);
  if (n > 1) {
    // Rank 0 runs no tasks: send_to_peer refuses it at the sender, and a peer
    // envelope that reaches rank 0 anyway is reported naming its sender.
    const std::string refused = ex.call_on<std::string>(1, "peer.send_to", 0).get();
    EXPECT_NE(refused.find("rank 0 runs no tasks"), std::string::npos) << refused;
  }
  ex.call_on_workers<void>("peer.clear").get();
  ex.shutdown();
  const auto errors = ex.protocol_errors();
  const std::vector<int> workers = [&] {
    std::vector<int> w;
    if (n == 1) w.push_back(0);
    for (int r = 1; r < n; ++r) w.push_back(r);
    return w;
  }();
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const int from = workers[i], to = workers[(i + 1) % workers.size()];
    const std::string reported = "rank " + std::to_string(to) + " (";
    const std::string sender = "malformed message from rank " + std::to_string(from);
    bool no_handler = false, refused = false;
    for (const auto& e : errors) {
      if (!e.starts_with(reported) || e.find(sender) == std::string::npos) continue;
      if (e.find("for channel 999, which has no handler on this rank") != std::string::npos) no_handler = true;
      if (e.find("channel 12 was refused: the test handler refuses this") != std::string::npos) refused = true;
    }
    EXPECT_TRUE(no_handler) << "rank " << to << " did not report rank " << from << "'s message for an unknown channel";
    EXPECT_TRUE(refused) << "rank " << to << " did not report the refused message from rank " << from;
  }
  EXPECT_EQ(ex.exit_code(), cluster::exit_code::kProtocolError);
}

TEST(Peer, APeerMessageAtRankZeroIsReportedNamingTheSender) {
  ClusterExecutor ex(registry());
  if (ex.size() == 1) {
    GTEST_SKIP() << "alone, rank 0 is the worker";
  }
  if (!ex.is_root()) {
    g_executor.set(&ex);
    ex.serve();
    g_executor.set(nullptr);
    return;
  }
  // Each worker's raw message leaves before the task's result: it is in once the results are.
  ex.call_on_workers<void>("peer.raw_to_zero").get();
  ex.shutdown();
  const auto errors = ex.protocol_errors();
  for (int w = 1; w < ex.size(); ++w) {
    bool seen = false;
    for (const auto& e : errors)
      seen |= e.starts_with("malformed message from rank " + std::to_string(w)) &&
              e.find("shuffle_data") != std::string::npos;
    EXPECT_TRUE(seen) << "no report of rank " << w << "'s peer message at rank 0";
  }
}

}  // namespace
