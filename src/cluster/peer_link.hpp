#pragma once
// The runtime's side of peer.hpp (not installed): while a ClusterExecutor is
// up on a rank that runs tasks, it attaches its loop and its send path here;
// its Worker hands every shuffle_data message to deliver_peer_message().
//
// Thread safety: attach/detach on the loop thread (setup and teardown);
// deliver_peer_message on the loop thread; send_to_peer (peer.hpp) from any
// thread. One process-wide link, guarded by a shared mutex: a send holds it
// while it posts to the loop, so detach_peers() (before the loop closes) is
// the last moment a send can reach this runtime.

#include <cohort/core/event_loop.hpp>
#include <cohort/wire/envelope.hpp>

#include <cstddef>
#include <functional>
#include <vector>

namespace cohort::cluster::detail {

struct PeerLink {
  core::EventLoop* loop = nullptr;
  /// Runs on the loop thread: sends a whole message (envelope and payload) to `dest`.
  std::function<void(int dest, std::vector<std::byte> message)> send;
  int rank = -1;
  std::vector<int> ranks;  // the ranks that run tasks
};

void attach_peers(PeerLink link);
void detach_peers() noexcept;

/// Loop thread: calls the handler of the message's channel (its batch id).
/// Throws DecodeError naming `source` (no handler, a bad channel, a handler that threw).
void deliver_peer_message(int source, const wire::EnvelopeView& message);

}  // namespace cohort::cluster::detail
