#pragma once
// The MPI shuffle's worker side (not installed; distributed.hpp tells the
// whole story): map tasks send each partition's bytes to the worker that
// reduces it, as peer messages (cohort/cluster/peer.hpp) on kShuffleChannel;
// that worker's inbox keeps them until its reduce task for the partition
// takes them. Large reduce outputs wait in the same object until rank 0
// fetches them in pieces.
//
// Thread safety: every member may be called from any thread (one mutex).
// put() runs on the loop thread (the peer handler): it copies and notifies,
// never waits. take() blocks its pool thread until the data is whole or the
// timeout passes.
//
// - A peer message carries (run, round, partition, split, chunk k of n,
//   the partition block's total size) and chunk k of that split's block for
//   the partition. A block bigger than the chunk size travels as several
//   messages (each under the wire's 256 MiB cap) and is joined here.
// - Data is kept per (run, round, partition) -> split -> block. A chunk that
//   arrives twice (a retried map task) replaces its copy: the map is
//   deterministic, so the bytes are the same. Data of a run this rank has not
//   begun, or has ended, is dropped (a late message of a failed run).
// - take() waits until every expected (split, size) is whole, checks the
//   sizes, and moves the blocks out in split order; past the timeout it throws
//   Error(timeout) naming the run, round, partition and the missing splits.

#include <cohort/cluster/peer.hpp>
#include <cohort/mapreduce/job.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace cohort::mapreduce::detail {

/// The peer channel of the shuffle ("MR" and 1).
inline constexpr std::uint32_t kShuffleChannel = 0x4d520001;
/// The largest piece of data in one message (with its header, under the wire's cap),
/// whatever RunConfig::shuffle_chunk_bytes asks.
inline constexpr std::uint64_t kMaxShuffleChunk = cluster::kMaxPeerPayload - 128;

class ShuffleInbox;

/// Map side: sends every non-empty partition of `parts` to owners[p % owners.size()]
/// (chunks of at most `chunk_bytes`). Returns the partition sizes. A partition
/// this rank owns is moved into `local` (no message) when it is given.
/// chunk_count() is how many messages a block of `size` bytes takes.
std::vector<std::uint64_t> send_partitions(std::uint64_t run, std::uint32_t round, std::uint64_t split,
                                           std::vector<std::string>& parts, const std::vector<int>& owners,
                                           std::uint64_t chunk_bytes, ShuffleInbox* local = nullptr);

std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_bytes) noexcept;

class ShuffleInbox {
 public:
  /// The peer handler's work: one chunk from `source`. Throws DecodeError on a malformed payload.
  void put(int source, std::span<const std::byte> payload);
  /// A whole block from a map task on this rank (no message), counted as the
  /// `messages` it would have taken (for settle()).
  void put_local(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::uint64_t split,
                 std::string block, std::uint64_t messages);

  /// This rank takes part in `run` from now on (data of other runs is dropped).
  void begin_run(std::uint64_t run);
  /// Waits (at most `timeout`) until `chunks` peer messages of `run` have
  /// arrived here in all: what rank 0 knows was sent to this rank, so that
  /// none is still in flight when the run ends (a failed run's data is not
  /// all taken by reduce tasks). False past the timeout.
  bool settle(std::uint64_t run, std::uint64_t chunks, std::chrono::milliseconds timeout);
  /// Drops everything of `run` (received data, parked outputs); later data of it is dropped.
  void end_run(std::uint64_t run);

  /// The blocks of (run, round, partition) from the splits in `expected`
  /// (split index, block size; sorted by split), in that order; see the contract.
  std::vector<std::string> take(std::uint64_t run, std::uint32_t round, std::uint32_t partition,
                                const std::vector<std::pair<std::uint64_t, std::uint64_t>>& expected,
                                std::chrono::milliseconds timeout);

  /// A reduce output too big for one task result, kept for rank 0 to fetch.
  void park(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::string records);
  /// Bytes [offset, offset + length) of a parked output; the piece that reaches
  /// its end drops it. Throws Error(invalid_state) if there is none.
  std::string fetch(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::uint64_t offset,
                    std::uint64_t length);

  /// Blocks held (all runs): for tests.
  std::size_t blocks_held() const;
  /// take() calls blocked waiting for data right now: for tests (a test puts
  /// the last chunk only once the reduce waits, so that it proves the wake-up).
  std::size_t waiting() const;

 private:
  using Key = std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>;  // run, round, partition
  struct Block {
    std::uint64_t total = 0;
    std::vector<std::string> chunks;
    std::vector<char> present;
    std::uint32_t have = 0;
    bool whole() const noexcept { return have == chunks.size(); }
  };

  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::uint64_t run_ = 0;  // the run begun here (0: none)
  std::size_t waiting_ = 0;  // take() calls inside their wait
  std::uint64_t chunks_ = 0;  // messages of run_ received (duplicates included)
  std::map<Key, std::map<std::uint64_t, Block>> data_;
  std::map<Key, std::string> parked_;
  std::uint64_t dropped_ = 0;  // chunks of runs not active here
};

}  // namespace cohort::mapreduce::detail
