#pragma once
/// Emit<K, V>: where a typed job's map() and reduce() put their pairs.
///
/// Thread safety: an Emit belongs to the one task that was handed it.
///
/// - In map(), emit(key, value) goes into the split's combine table: if the job
///   defines combine(), the value is folded into the key's value at once (so a
///   split keeps one value per key); otherwise it is appended to the key's list.
/// - In reduce(), emit(key, out) appends an output record.
/// - For std::string keys, emit() also takes a std::string_view (or anything
///   convertible) and copies it only for a key not seen before.

#include <cohort/mapreduce/codec.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort::mapreduce {

namespace detail {

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

/// A key's values on the map side: the first inline, more only without a combiner.
template <class V>
struct Slot {
  V first;
  std::vector<V> rest;
};

template <class K, class V>
using Table = std::unordered_map<K, Slot<V>, KeyHash<K>, std::equal_to<>>;

template <class K, class V>
using CombineFn = void (*)(const void* job, const K& key, V& acc, V&& next);

}  // namespace detail

template <class K, class V>
class Emit {
 public:
  /// Map side: into a combine table (`combine` may be null: keep every value).
  Emit(detail::Table<K, V>& table, detail::CombineFn<K, V> combine, const void* job) noexcept
      : table_(&table), combine_(combine), job_(job) {}
  /// Reduce side: appends records.
  explicit Emit(std::vector<std::pair<K, V>>& records) noexcept : records_(&records) {}
  Emit(const Emit&) = delete;
  Emit& operator=(const Emit&) = delete;

  template <class Q>
  void emit(Q&& key, V value) {
    ++count_;
    if (records_ != nullptr) {
      records_->emplace_back(K(std::forward<Q>(key)), std::move(value));
      return;
    }
    auto it = table_->find(key);
    if (it == table_->end()) {
      table_->emplace(K(std::forward<Q>(key)), detail::Slot<V>{std::move(value), {}});
    } else if (combine_ != nullptr) {
      combine_(job_, it->first, it->second.first, std::move(value));
    } else {
      it->second.rest.push_back(std::move(value));
    }
  }
  template <class Q>
  void operator()(Q&& key, V value) {
    emit(std::forward<Q>(key), std::move(value));
  }

  /// Pairs emitted so far.
  std::uint64_t count() const noexcept { return count_; }

 private:
  detail::Table<K, V>* table_ = nullptr;
  detail::CombineFn<K, V> combine_ = nullptr;
  const void* job_ = nullptr;
  std::vector<std::pair<K, V>>* records_ = nullptr;
  std::uint64_t count_ = 0;
};

}  // namespace cohort::mapreduce
