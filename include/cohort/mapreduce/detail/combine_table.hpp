#pragma once
// CombineTable<K, V>: the per-split (map side) and per-partition (reduce side)
// table of Emit, keyed by K, holding a key's first value inline and any more
// only for jobs without a combiner. Internal to the typed adapter (emit.hpp,
// typed_job_impl.hpp); job authors never name it.
//
// Thread safety: none; one table belongs to one task.
//
// - The general table is a std::unordered_map.
// - std::string keys (word counts, inverted indexes: the hot case) use a flat
//   open-addressing index of 16-byte slots (hash tag, length, entry number and
//   the key's first 8 bytes; linear probing) over dense vectors of keys and
//   values in insertion order. A hit on a key of up to 8 bytes reads one slot
//   and its value, where a node-based map walks bucket -> previous node ->
//   node; a new key costs no node allocation (only its std::string, for keys
//   longer than the SSO).
// - Iteration is in insertion order for string keys (unspecified otherwise).

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/codec.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort::mapreduce::detail {

/// std::hash where it exists (transparent for strings); otherwise the hash of the encoded key.
template <class K>
struct KeyHash {
  std::size_t operator()(const K& k) const {
    if constexpr (requires { std::hash<K>{}(k); }) {
      return std::hash<K>{}(k);
    } else {
      std::string buf;
      ByteWriter w(buf);
      Codec<K>::encode(w, k);
      return static_cast<std::size_t>(hash_bytes(buf));
    }
  }
};
template <>
struct KeyHash<std::string> {
  using is_transparent = void;
  // Deliberately not noexcept: libstdc++ then caches each node's hash, so a
  // lookup compares hashes along the bucket chain instead of rehashing every
  // key it passes (3x faster word counting).
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class K, class V>
using CombineFn = void (*)(const void* job, const K& key, V& acc, V&& next);

/// A key's values on the map side: the first inline, more only without a combiner.
template <class V>
struct Slot {
  V first;
  std::vector<V> rest;
};

/// General keys: a node-based hash map.
template <class K, class V>
class CombineTable {
 public:
  template <class Q>
  void add(Q&& key, V&& value, CombineFn<K, V> combine, const void* job) {
    auto it = map_.find(key);
    if (it == map_.end()) {
      map_.emplace(K(std::forward<Q>(key)), Slot<V>{std::move(value), {}});
    } else if (combine != nullptr) {
      combine(job, it->first, it->second.first, std::move(value));
    } else {
      it->second.rest.push_back(std::move(value));
    }
  }
  std::size_t size() const noexcept { return map_.size(); }
  /// fn(const K& key, V& first, std::span<V> rest) for every key.
  template <class F>
  void for_each(F&& fn) {
    for (auto& [k, slot] : map_) fn(k, slot.first, std::span<V>(slot.rest));
  }

 private:
  std::unordered_map<K, Slot<V>, KeyHash<K>, std::equal_to<>> map_;
};

/// String keys: flat open addressing (linear probing) over dense, insertion-ordered entries.
template <class V>
class CombineTable<std::string, V> {
 public:
  CombineTable() : slots_(kInitialSlots), mask_(kInitialSlots - 1), shift_(64 - kInitialBits) {}

  template <class Q>
  void add(Q&& key, V&& value, CombineFn<std::string, V> combine, const void* job) {
    if constexpr (std::is_convertible_v<const Q&, std::string_view>) {
      add_view(std::string_view(key), std::forward<Q>(key), std::move(value), combine, job);
    } else {
      std::string k(std::forward<Q>(key));
      add_view(std::string_view(k), std::move(k), std::move(value), combine, job);
    }
  }
  std::size_t size() const noexcept { return keys_.size(); }
  /// fn(const std::string& key, V& first, std::span<V> rest) for every key, in insertion order.
  template <class F>
  void for_each(F&& fn) {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      fn(keys_[i], values_[i].v, i < rest_.size() ? std::span<V>(rest_[i]) : std::span<V>());
    }
  }

 private:
  // One probe = one 16-byte slot: a key of up to 8 bytes is compared without
  // leaving it. meta: 24 bits of the hash and the key length (255: longer);
  // index1: entry index + 1 (0: empty); prefix: the key's first 8 bytes.
  struct Slot {
    std::uint32_t meta = 0;
    std::uint32_t index1 = 0;
    std::uint64_t prefix = 0;
  };
  static constexpr unsigned kInitialBits = 10;
  static constexpr std::size_t kInitialSlots = std::size_t{1} << kInitialBits;
  static constexpr std::size_t kMaxEntries = std::numeric_limits<std::uint32_t>::max() - 1;

  static std::uint32_t meta_of(std::uint64_t hash, std::size_t size) noexcept {
    return (static_cast<std::uint32_t>(hash) << 8) | static_cast<std::uint32_t>(size < 255 ? size : 255);
  }

  template <class Q>
  void add_view(std::string_view k, Q&& key, V&& value, CombineFn<std::string, V> combine, const void* job) {
    const std::uint64_t h = hash_bytes(k);
    const std::uint32_t meta = meta_of(h, k.size());
    const std::uint64_t prefix = load_prefix(k.data(), k.size());
    std::size_t i = static_cast<std::size_t>(h >> shift_);
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index1 == 0) break;
      if (s.meta != meta || s.prefix != prefix) continue;
      const std::size_t e = s.index1 - 1;
      if (k.size() > 8 && !same_tail(keys_[e], k)) continue;
      if (combine != nullptr) {
        combine(job, keys_[e], values_[e].v, std::move(value));
      } else {
        if (rest_.size() <= e) rest_.resize(keys_.size());
        rest_[e].push_back(std::move(value));
      }
      return;
    }
    if (keys_.size() >= kMaxEntries) {
      throw Error(Errc::invalid_state, "mapreduce: more than " + std::to_string(kMaxEntries) +
                                           " distinct keys in one split or partition; use smaller splits");
    }
    if constexpr (std::is_same_v<std::remove_cvref_t<Q>, std::string>) {
      keys_.emplace_back(std::forward<Q>(key));
    } else {
      keys_.emplace_back(k);
    }
    try {
      values_.push_back(Box{std::move(value)});
    } catch (...) {
      keys_.pop_back();  // keys_ and values_ stay the same length
      throw;
    }
    slots_[i] = Slot{meta, static_cast<std::uint32_t>(keys_.size()), prefix};
    // Grow at a load of 4/5: the keys met first (the frequent ones) sit at
    // their home slot, so most lookups still take one probe.
    if (keys_.size() * 5 > slots_.size() * 4) grow();
  }

  // Whether bytes [8, size) agree (the first 8 matched in the slot).
  static bool same_tail(const std::string& stored, std::string_view k) noexcept {
    if (stored.size() != k.size()) return false;
    const std::size_t n = k.size() - 8;
    if (n <= 8) return load_prefix(stored.data() + 8, n) == load_prefix(k.data() + 8, n);
    return std::memcmp(stored.data() + 8, k.data() + 8, n) == 0;
  }

  void grow() {
    const std::size_t n = slots_.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    --shift_;
    for (std::size_t e = 0; e < keys_.size(); ++e) {
      const std::string& k = keys_[e];
      const std::uint64_t h = hash_bytes(k);
      std::size_t i = static_cast<std::size_t>(h >> shift_);
      while (slots_[i].index1 != 0) i = (i + 1) & mask_;
      slots_[i] = Slot{meta_of(h, k.size()), static_cast<std::uint32_t>(e + 1), load_prefix(k.data(), k.size())};
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string> keys_;     // by entry index, in insertion order
  struct Box {  // (no std::vector<bool> proxies)
    V v;
  };
  std::vector<Box> values_;           // the first value of each key
  std::vector<std::vector<V>> rest_;  // more values, only without a combiner
  std::size_t mask_;
  unsigned shift_;
};

}  // namespace cohort::mapreduce::detail
