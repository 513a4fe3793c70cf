#pragma once
/// Peer messages: bytes from a task running on one worker to a handler on
/// another worker (or the same one), over the runtime's MPI channel — what
/// the MapReduce shuffle moves its partitions with. Light header: no MPI, no Boost.
///
///     // every rank, before the ClusterExecutor is built:
///     cluster::set_peer_handler(7, [](int source, std::span<const std::byte> bytes) {
///       inbox.put(source, bytes);   // on the loop thread: copy, notify, return
///     });
///     // inside a task, on a worker:
///     cluster::send_to_peer(3, 7, {std::as_bytes(std::span(header)), std::as_bytes(std::span(data))});
///
/// Thread safety: every function may be called from any thread. Handlers run
/// on the receiving rank's event-loop thread (the one that owns MPI), one at a
/// time: they must be quick — copy the bytes, notify, return; never block.
///
/// Contract:
/// - One process-wide table, channel -> handler. set_peer_handler() replaces
///   the handler of its channel; remove_peer_handler() drops it. The table
///   outlives executors: a handler registered once serves every executor of
///   the process (one at a time, as MPI allows).
/// - send_to_peer() works on a rank that runs tasks (a worker; rank 0 when it
///   runs alone) while its ClusterExecutor is up; it throws Error(invalid_state)
///   elsewhere (no executor, rank 0 of a multi-rank run, after shutdown).
///   `rank` must be one that runs tasks (peer_ranks()), else
///   Error(invalid_argument). The parts are copied (once) before it returns;
///   the MPI send starts on the loop thread, after everything the loop was
///   given before. Messages from one rank to another arrive in the order
///   they were sent; nothing is ordered across different senders, and a task
///   result reaching rank 0 does not mean the task's peer messages arrived.
/// - A task that WAITS for peer messages must run on a pool thread: submit it
///   with submit()/call_on() or map() over non-arithmetic arguments, or set
///   ClusterOptions::inline_array_budget to 0. A map() over arithmetic inputs
///   may run quick tasks on the worker's loop thread (options.hpp), the very
///   thread that delivers peer messages: such a task would wait for itself.
/// - A payload holds at most kMaxPeerPayload bytes (the wire decoder's cap):
///   larger data must be split by the caller (Error(invalid_argument)).
/// - On the receiving side a message whose channel has no handler, a handler
///   that throws, or a peer message at rank 0 (which runs no tasks) is a
///   DecodeError naming the sender: recorded in protocol_errors(), reported
///   to rank 0, the message dropped, the run goes on. Never a crash.

#include <cohort/cluster/export.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

namespace cohort::cluster {

/// Called on the receiving rank's loop thread with the sender's rank and the
/// payload (valid only during the call).
using PeerHandler = std::function<void(int source, std::span<const std::byte> payload)>;

/// Largest payload of one peer message (wire::DecodeLimits' default, less the header).
inline constexpr std::size_t kMaxPeerPayload = (std::size_t{256} << 20) - 64;

COHORT_CLUSTER_EXPORT void set_peer_handler(std::uint32_t channel, PeerHandler handler);
COHORT_CLUSTER_EXPORT void remove_peer_handler(std::uint32_t channel);

/// Sends the concatenation of `parts` to `channel` on worker `rank`; see the contract.
COHORT_CLUSTER_EXPORT void send_to_peer(int rank, std::uint32_t channel,
                                        std::initializer_list<std::span<const std::byte>> parts);
COHORT_CLUSTER_EXPORT void send_to_peer(int rank, std::uint32_t channel, std::span<const std::byte> payload);

/// The ranks that run tasks and take peer messages ({0} alone, else 1..n-1);
/// empty while no executor is up in this process.
COHORT_CLUSTER_EXPORT std::vector<int> peer_ranks();
/// This process's rank while an executor is up, else -1.
COHORT_CLUSTER_EXPORT int peer_rank() noexcept;

}  // namespace cohort::cluster
