#pragma once
/// TypedJob<Derived, K, V, Out>: write a MapReduce job with types, not bytes.
///
///   class WordCount : public TypedJob<WordCount, std::string, std::uint64_t> {
///    public:
///     static constexpr const char* kName = "wordcount";
///     void map(const Split& s, Emit<std::string, std::uint64_t>& emit) const {
///       for_each_word(s, [&](const FileRange&, std::string_view w) { emit(w, 1); });
///     }
///     void combine(const std::string&, std::uint64_t& acc, std::uint64_t&& n) const { acc += n; }
///     void reduce(const std::string& w, std::span<const std::uint64_t> counts,
///                 Emit<std::string, std::uint64_t>& out) const { out(w, counts[0]); }
///   };
///
/// Thread safety: as Job — map(), reduce() and the hooks below are const and
/// run on several threads at once.
///
/// What Derived provides (public members; K, V, Out need Codec<> specialisations,
/// built in for numbers, strings, vectors, arrays, pairs and tuples):
/// - required: `static constexpr const char* kName`,
///   `void map(const Split&, Emit<K, V>&) const`,
///   `void reduce(const K&, std::span<const V>, Emit<K, Out>&) const`.
/// - optional `void combine(const K&, V& acc, V&& next) const`: folds `next`
///   into `acc`. Applied as pairs are emitted (map side) and again when the
///   splits' values meet (reduce side, in split order), so reduce() then sees
///   one value per key. Must give the same result however values are grouped.
/// - optional `bool before(const K&, const Out&, const K&, const Out&) const`:
///   the output order (default: by key, ascending; ties are broken by key).
/// - optional `void format(const K&, const Out&, std::string& line) const`:
///   appends one output record (default: "key<TAB>value\n"; vectors comma-separated).
/// - optional `std::uint64_t limit() const`: write only the first N records in
///   output order (0: all). Each partition keeps only its first N, too.
/// K must be hashable (std::hash, or it is hashed from its encoding) and ==
/// comparable; with the default order, also < comparable.

#include <cohort/mapreduce/codec.hpp>
#include <cohort/mapreduce/emit.hpp>
#include <cohort/mapreduce/job.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort::mapreduce {

template <class Derived, class K, class V, class Out = V>
class TypedJob : public Job {
  static_assert(!std::is_same_v<V, bool>,
                "TypedJob: a value type of bool is not supported (reduce() receives std::span<const V>, "
                "which cannot view a std::vector<bool>): emit std::uint8_t instead");

 public:
  using Key = K;
  using Value = V;
  using Output = Out;
  using Record = std::pair<K, Out>;

  std::string_view name() const override { return Derived::kName; }
  MapOutput map_split(const Split& split, std::uint32_t partitions) const override;
  ReduceOutput reduce_partition(std::span<const std::string_view> blocks) const override;
  void write_output(std::span<const std::string_view> outputs, Sink& sink) const override;

  /// Decodes one reduce output block (for advance() and custom write_output()).
  static std::vector<Record> decode_records(std::string_view block);
  /// Decodes every block and merges them in output order (limit() applied).
  std::vector<Record> merge_records(std::span<const std::string_view> outputs) const;

  /// The output order: Derived::before if defined, else by key; ties by key.
  bool record_before(const Record& a, const Record& b) const;
  /// Appends the default text of one value: numbers, strings, vectors (comma-separated).
  template <class T>
  static void format_field(std::string& out, const T& value);

 private:
  const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
  static constexpr bool kHasCombine =
      requires(const Derived& d, const K& k, V& a, V&& b) { d.combine(k, a, std::move(b)); };
  static void combine_thunk(const void* job, const K& key, V& acc, V&& next) {
    if constexpr (kHasCombine) static_cast<const Derived*>(job)->combine(key, acc, std::move(next));
  }
  detail::CombineFn<K, V> combine_fn() const noexcept {
    if constexpr (kHasCombine) return &combine_thunk;
    return nullptr;
  }
  std::uint64_t record_limit() const {
    if constexpr (requires(const Derived& d) { d.limit(); }) return static_cast<std::uint64_t>(self().limit());
    return 0;
  }
};

}  // namespace cohort::mapreduce

#include <cohort/mapreduce/impl/typed_job_impl.hpp>
