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

#include <cohort/mapreduce/detail/combine_table.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace cohort::mapreduce {

namespace detail {
template <class K, class V>
using Table = CombineTable<K, V>;
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
    table_->add(std::forward<Q>(key), std::move(value), combine_, job_);
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
