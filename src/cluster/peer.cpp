// Peer messages between workers (peer.hpp) and the runtime's link (peer_link.hpp).
#include <cohort/cluster/peer.hpp>

#include <cohort/core/error.hpp>

#include "peer_link.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace cohort::cluster {
namespace {

struct Table {
  std::shared_mutex mutex;
  std::unordered_map<std::uint32_t, std::shared_ptr<const PeerHandler>> handlers;
  std::shared_ptr<const detail::PeerLink> link;
};

Table& table() {
  static Table t;
  return t;
}

std::string ranks_text(const std::vector<int>& ranks) {
  if (ranks.empty()) return "none";
  if (ranks.size() == 1) return std::to_string(ranks.front());
  return std::to_string(ranks.front()) + ".." + std::to_string(ranks.back());
}

}  // namespace

void set_peer_handler(std::uint32_t channel, PeerHandler handler) {
  auto h = std::make_shared<const PeerHandler>(std::move(handler));
  Table& t = table();
  std::unique_lock lock(t.mutex);
  t.handlers[channel] = std::move(h);
}

void remove_peer_handler(std::uint32_t channel) {
  Table& t = table();
  std::unique_lock lock(t.mutex);
  t.handlers.erase(channel);
}

void send_to_peer(int rank, std::uint32_t channel, std::initializer_list<std::span<const std::byte>> parts) {
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  if (total > kMaxPeerPayload) {
    throw Error(Errc::invalid_argument, "send_to_peer: a payload of " + std::to_string(total) +
                                            " bytes for channel " + std::to_string(channel) + " (at most " +
                                            std::to_string(kMaxPeerPayload) + " per message: split it)");
  }
  std::vector<std::byte> message(wire::kHeaderSize + total);
  wire::EnvelopeHeader header;
  header.kind = wire::MessageKind::shuffle_data;
  header.batch_id = channel;
  header.payload_size = total;
  wire::write_envelope_header(std::span(message).first(wire::kHeaderSize), header);
  std::size_t at = wire::kHeaderSize;
  for (const auto& p : parts) {
    if (!p.empty()) std::memcpy(message.data() + at, p.data(), p.size());
    at += p.size();
  }

  Table& t = table();
  std::shared_lock lock(t.mutex);  // held while posting: the runtime cannot detach meanwhile
  const std::shared_ptr<const detail::PeerLink> link = t.link;
  if (!link) {
    throw Error(Errc::invalid_state, "send_to_peer(rank " + std::to_string(rank) + ", channel " +
                                         std::to_string(channel) +
                                         "): no cluster runtime runs tasks in this process (peer messages are sent "
                                         "from tasks on workers while their ClusterExecutor is up)");
  }
  if (std::find(link->ranks.begin(), link->ranks.end(), rank) == link->ranks.end()) {
    throw Error(Errc::invalid_argument, "send_to_peer from rank " + std::to_string(link->rank) + ": rank " +
                                            std::to_string(rank) + " runs no tasks (peer messages go to ranks " +
                                            ranks_text(link->ranks) + ")");
  }
  link->loop->call_soon_threadsafe(
      [link, rank, message = std::move(message)]() mutable { link->send(rank, std::move(message)); });
}

void send_to_peer(int rank, std::uint32_t channel, std::span<const std::byte> payload) {
  send_to_peer(rank, channel, {payload});
}

std::vector<int> peer_ranks() {
  Table& t = table();
  std::shared_lock lock(t.mutex);
  return t.link ? t.link->ranks : std::vector<int>{};
}

int peer_rank() noexcept {
  Table& t = table();
  std::shared_lock lock(t.mutex);
  return t.link ? t.link->rank : -1;
}

namespace detail {

void attach_peers(PeerLink link) {
  auto l = std::make_shared<const PeerLink>(std::move(link));
  Table& t = table();
  std::unique_lock lock(t.mutex);
  t.link = std::move(l);
}

void detach_peers() noexcept {
  Table& t = table();
  std::unique_lock lock(t.mutex);
  t.link.reset();
}

void deliver_peer_message(int source, const wire::EnvelopeView& message) {
  if (message.header.batch_id > UINT32_MAX) {
    throw DecodeError("a peer message for channel " + std::to_string(message.header.batch_id) +
                          " (channels are 32-bit)",
                      source);
  }
  const auto channel = static_cast<std::uint32_t>(message.header.batch_id);
  std::shared_ptr<const PeerHandler> handler;
  {
    Table& t = table();
    std::shared_lock lock(t.mutex);
    if (auto it = t.handlers.find(channel); it != t.handlers.end()) handler = it->second;
  }
  if (!handler || !*handler) {
    throw DecodeError("a peer message (" + std::to_string(message.payload.size()) + " bytes) for channel " +
                          std::to_string(channel) + ", which has no handler on this rank",
                      source);
  }
  try {
    (*handler)(source, message.payload);
  } catch (const DecodeError&) {
    throw;
  } catch (const std::exception& e) {
    throw DecodeError("a peer message for channel " + std::to_string(channel) + " was refused: " + e.what(), source);
  }
}

}  // namespace detail
}  // namespace cohort::cluster
