#pragma once
/// Transport: byte messages between ranks over MPI, progressed by poll() —
/// which the cluster runtime registers as an EventLoop poller.
///
/// Thread safety: none; every member runs on the MPI thread (the thread that
/// opened the MpiSession), and debug builds assert it.
///
/// - The constructor is collective over MPI_COMM_WORLD (it duplicates it, so
///   Cohort's traffic never matches anyone else's receives); construct the
///   transports of all ranks in the same order. MPI must be initialised (an
///   MpiSession open on this thread).
/// - send() takes ownership of the bytes and starts an MPI_Isend; the buffer
///   lives until the send completes. Messages between two ranks arrive in the
///   order they were sent. Sizes 0 .. INT_MAX bytes.
/// - poll() completes finished sends (MPI_Testsome), then receives up to
///   Options::max_receives_per_poll available messages (MPI_Improbe +
///   MPI_Get_count + MPI_Mrecv into a reused buffer) and calls the receiver
///   with (source rank, bytes) for each; the bytes are valid only during the
///   call. The receiver may call send(). Returns true when it did anything.
///   An exception from the receiver leaves poll() after that message.
/// - flush(deadline) polls (receiving too, so two ranks flushing towards each
///   other cannot deadlock) until no send is pending; false if the deadline
///   passed first. close() flushes, cancels whatever is still pending, and
///   frees the communicator: after it no request of this transport is pending,
///   so MPI_Finalize is safe. The destructor closes if needed. Never exits.
/// - MPI errors surface as cohort::MpiError (the communicator returns errors).

#include <cohort/cluster/export.hpp>
#include <cohort/core/unique_function.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cohort::cluster {

class COHORT_CLUSTER_EXPORT Transport {
 public:
  using Bytes = std::vector<std::byte>;
  using Receiver = core::UniqueFunction<void(int source, std::span<const std::byte> bytes)>;

  struct Options {
    int max_receives_per_poll = 64;  ///< bounds one poll() so the loop is not starved
    std::size_t max_pooled_buffers = 64;
  };

  struct Stats {
    std::uint64_t messages_sent = 0, messages_received = 0;
    std::uint64_t bytes_sent = 0, bytes_received = 0;
  };

  explicit Transport(Receiver on_message);
  Transport(Receiver on_message, Options options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int rank() const noexcept;
  int size() const noexcept;

  /// Starts sending `bytes` to rank `dest` (which may be this rank).
  /// Throws cohort::Error(invalid_argument) for a bad rank or an oversized
  /// message, or after close().
  void send(int dest, Bytes bytes);

  /// An empty buffer, recycled from a completed send when one is available:
  /// fill it and pass it to send() to avoid an allocation per message.
  Bytes take_buffer();

  bool poll();

  std::size_t pending_sends() const noexcept;
  Stats stats() const noexcept;

  bool flush(std::chrono::steady_clock::duration deadline);
  /// Returns true when every send completed before the deadline.
  bool close(std::chrono::steady_clock::duration deadline = std::chrono::seconds(10));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::cluster
