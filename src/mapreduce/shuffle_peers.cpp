// The MPI shuffle's worker side: sending partitions, the inbox (shuffle_peers.hpp).
#include "shuffle_peers.hpp"

#include <cohort/cluster/peer.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/codec.hpp>

#include <algorithm>

namespace cohort::mapreduce::detail {
namespace {

std::string key_text(std::uint64_t run, std::uint32_t round, std::uint32_t partition) {
  return "run " + std::to_string(run) + ", round " + std::to_string(round + 1) + ", partition " +
         std::to_string(partition);
}

}  // namespace

std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_bytes) noexcept {
  const std::uint64_t chunk = std::clamp<std::uint64_t>(chunk_bytes, 1, kMaxShuffleChunk);
  return (size + chunk - 1) / chunk;
}

std::vector<std::uint64_t> send_partitions(std::uint64_t run, std::uint32_t round, std::uint64_t split,
                                           std::vector<std::string>& parts, const std::vector<int>& owners,
                                           std::uint64_t chunk_bytes, ShuffleInbox* local) {
  if (owners.empty()) throw Error(Errc::invalid_argument, "shuffle: no worker ranks to send partitions to");
  const std::size_t chunk = static_cast<std::size_t>(std::clamp<std::uint64_t>(chunk_bytes, 1, kMaxShuffleChunk));
  std::vector<std::uint64_t> sizes(parts.size());
  std::string header;
  const int me = local != nullptr ? cluster::peer_rank() : -1;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    std::string& block = parts[p];
    sizes[p] = block.size();
    if (block.empty()) continue;
    const std::size_t chunks = static_cast<std::size_t>(chunk_count(block.size(), chunk));
    const int owner = owners[p % owners.size()];
    if (owner == me) {  // this rank reduces it: straight into the inbox, no copy
      local->put_local(run, round, static_cast<std::uint32_t>(p), split, std::move(block), chunks);
      continue;
    }
    for (std::size_t k = 0; k < chunks; ++k) {
      header.clear();
      ByteWriter w(header);
      w.varint(run);
      w.varint(round);
      w.varint(p);
      w.varint(split);
      w.varint(k);
      w.varint(chunks);
      w.varint(block.size());
      const std::size_t at = k * chunk, n = std::min(chunk, block.size() - at);
      cluster::send_to_peer(owner, kShuffleChannel,
                            {std::as_bytes(std::span(header)), std::as_bytes(std::span(block.data() + at, n))});
    }
  }
  return sizes;
}

void ShuffleInbox::put(int source, std::span<const std::byte> payload) {
  ByteReader r(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
  std::uint64_t run = 0, round = 0, partition = 0, split = 0, k = 0, chunks = 0, total = 0;
  try {
    for (std::uint64_t* v : {&run, &round, &partition, &split, &k, &chunks, &total}) *v = r.varint();
  } catch (const DecodeError&) {
    throw DecodeError("a shuffle message (" + std::to_string(payload.size()) + " bytes) with a truncated header",
                      source);
  }
  const std::string_view bytes = r.raw(r.left());
  auto bad = [&](const std::string& what) {
    throw DecodeError("a shuffle message (" + key_text(run, static_cast<std::uint32_t>(round),
                                                        static_cast<std::uint32_t>(partition)) +
                          ", split " + std::to_string(split) + "): " + what,
                      source);
  };
  if (round > UINT32_MAX || partition > UINT32_MAX) bad("round or partition out of range");
  // The sender cuts a block into chunks of one size (the last may be shorter):
  // a chunk before the last fixes the count, and no count is believed past
  // 2^20 (256 TiB at the largest chunk), so a bad header cannot make this
  // thread allocate a huge table.
  const bool count_off = k + 1 < chunks && chunks != (total + bytes.size() - 1) / std::max<std::size_t>(bytes.size(), 1);
  if (chunks == 0 || k >= chunks || chunks > total || chunks > (std::uint64_t{1} << 20) || bytes.empty() ||
      bytes.size() > total || count_off) {
    bad("chunk " + std::to_string(k) + " of " + std::to_string(chunks) + " with " + std::to_string(bytes.size()) +
        " of " + std::to_string(total) + " bytes");
  }
  std::lock_guard lock(mutex_);
  if (run != run_ || run == 0) {
    ++dropped_;
    return;
  }
  ++chunks_;
  Block& b = data_[Key{run, static_cast<std::uint32_t>(round), static_cast<std::uint32_t>(partition)}][split];
  if (b.chunks.size() != chunks || b.total != total) {  // first chunk (or a different split of the data: restart)
    b = Block{};
    b.total = total;
    b.chunks.resize(chunks);
    b.present.assign(chunks, 0);
  }
  b.chunks[k].assign(bytes);
  if (!b.present[k]) {
    b.present[k] = 1;
    ++b.have;
  }
  arrived_.notify_all();  // a whole block for take(), or one more for settle()
}

void ShuffleInbox::put_local(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::uint64_t split,
                             std::string block, std::uint64_t messages) {
  std::lock_guard lock(mutex_);
  if (run != run_ || run == 0) {
    ++dropped_;
    return;
  }
  chunks_ += messages;
  Block& b = data_[Key{run, round, partition}][split];
  b = Block{};
  b.total = block.size();
  b.chunks.push_back(std::move(block));
  b.present.assign(1, 1);
  b.have = 1;
  arrived_.notify_all();
}

bool ShuffleInbox::settle(std::uint64_t run, std::uint64_t chunks, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return run_ != run || chunks_ >= chunks; });
}

void ShuffleInbox::begin_run(std::uint64_t run) {
  std::lock_guard lock(mutex_);
  if (run_ == run) return;
  run_ = run;
  chunks_ = 0;
  std::erase_if(data_, [run](const auto& e) { return std::get<0>(e.first) != run; });
  std::erase_if(parked_, [run](const auto& e) { return std::get<0>(e.first) != run; });
}

void ShuffleInbox::end_run(std::uint64_t run) {
  std::lock_guard lock(mutex_);
  if (run_ == run) {
    run_ = 0;
    chunks_ = 0;
  }
  std::erase_if(data_, [run](const auto& e) { return std::get<0>(e.first) == run; });
  std::erase_if(parked_, [run](const auto& e) { return std::get<0>(e.first) == run; });
  arrived_.notify_all();
}

std::vector<std::string> ShuffleInbox::take(std::uint64_t run, std::uint32_t round, std::uint32_t partition,
                                            const std::vector<std::pair<std::uint64_t, std::uint64_t>>& expected,
                                            std::chrono::milliseconds timeout) {
  const Key key{run, round, partition};
  std::unique_lock lock(mutex_);
  auto missing = [&] {
    std::vector<std::uint64_t> out;
    const auto it = data_.find(key);
    for (const auto& [split, size] : expected) {
      if (size == 0) continue;
      if (it == data_.end()) {
        out.push_back(split);
        continue;
      }
      const auto b = it->second.find(split);
      if (b == it->second.end() || !b->second.whole()) out.push_back(split);
    }
    return out;
  };
  ++waiting_;  // (under the lock until wait_for releases it: a reader sees the wait begun)
  const bool ok = arrived_.wait_for(lock, timeout, [&] { return run_ != run || missing().empty(); });
  --waiting_;
  if (run_ != run) {
    throw Error(Errc::cancelled, "shuffle (" + key_text(run, round, partition) + "): the run ended on this rank");
  }
  if (!ok) {
    const std::vector<std::uint64_t> lost = missing();
    std::string list;
    for (std::size_t i = 0; i < lost.size() && i < 10; ++i) list += (i ? ", " : "") + std::to_string(lost[i]);
    if (lost.size() > 10) list += ", ... (" + std::to_string(lost.size()) + " in all)";
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", static_cast<double>(timeout.count()) / 1000.0);
    throw Error(Errc::timeout, "shuffle (" + key_text(run, round, partition) + "): the data of map split(s) " + list +
                                   " did not arrive at rank " + std::to_string(cluster::peer_rank()) + " within " +
                                   secs + " s");
  }
  std::vector<std::string> blocks;
  blocks.reserve(expected.size());
  auto it = data_.find(key);
  for (const auto& [split, size] : expected) {
    if (size == 0) continue;
    Block& b = it->second.at(split);
    if (b.total != size) {
      throw Error(Errc::decode_error, "shuffle (" + key_text(run, round, partition) + "): split " +
                                          std::to_string(split) + " sent " + std::to_string(b.total) +
                                          " bytes, its map task reported " + std::to_string(size));
    }
    std::string block;
    if (b.chunks.size() == 1) {
      block = std::move(b.chunks.front());
    } else {
      block.reserve(b.total);
      for (const std::string& c : b.chunks) block += c;
    }
    if (block.size() != size) {
      throw Error(Errc::decode_error, "shuffle (" + key_text(run, round, partition) + "): split " +
                                          std::to_string(split) + "'s chunks add up to " +
                                          std::to_string(block.size()) + " bytes, not " + std::to_string(size));
    }
    blocks.push_back(std::move(block));
  }
  if (it != data_.end()) data_.erase(it);
  return blocks;
}

void ShuffleInbox::park(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::string records) {
  std::lock_guard lock(mutex_);
  parked_[Key{run, round, partition}] = std::move(records);
}

std::string ShuffleInbox::fetch(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::uint64_t offset,
                                std::uint64_t length) {
  std::lock_guard lock(mutex_);
  const auto it = parked_.find(Key{run, round, partition});
  if (it == parked_.end() || offset > it->second.size()) {
    throw Error(Errc::invalid_state, "shuffle (" + key_text(run, round, partition) + "): no reduced output at rank " +
                                         std::to_string(cluster::peer_rank()) + " to fetch from byte " +
                                         std::to_string(offset));
  }
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, it->second.size() - offset));
  std::string piece = it->second.substr(static_cast<std::size_t>(offset), n);
  if (offset + n >= it->second.size()) parked_.erase(it);
  return piece;
}

std::size_t ShuffleInbox::blocks_held() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, blocks] : data_) n += blocks.size();
  return n + parked_.size();
}

std::size_t ShuffleInbox::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace cohort::mapreduce::detail
