#pragma once
// Template bodies of TypedJob (typed_job.hpp).

#include <algorithm>
#include <charconv>
#include <queue>
#include <tuple>
#include <utility>

#include <cohort/core/error.hpp>

namespace cohort::mapreduce {

namespace detail {
// What TypedJob::format_field can print: strings, numbers, ranges and tuples of those.
template <class T>
constexpr bool formattable() {
  if constexpr (std::is_same_v<T, std::string> || std::is_arithmetic_v<T>) {
    return true;
  } else if constexpr (requires(const T& v) { v.begin(); v.end(); }) {
    return formattable<std::decay_t<decltype(*std::declval<const T&>().begin())>>();
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (formattable<std::tuple_element_t<I, T>>() && ...);
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else {
    return false;
  }
}
template <class T>
concept Formattable = formattable<T>();
}  // namespace detail

template <class D, class K, class V, class O>
MapOutput TypedJob<D, K, V, O>::map_split(const Split& split, std::uint32_t partitions) const {
  if (partitions == 0) partitions = 1;
  detail::Table<K, V> table;
  Emit<K, V> emit(table, combine_fn(), static_cast<const D*>(this));
  self().map(split, emit);

  MapOutput out;
  out.records = emit.count();
  out.keys = table.size();
  out.partitions.resize(partitions);
  if constexpr (std::is_same_v<K, std::string>) {
    // Encode straight into the partition blocks: no key copy, one hash per key.
    table.for_each([&](const std::string& k, const V& first, std::span<V> rest) {
      const std::size_t p = partitions == 1 ? 0 : static_cast<std::size_t>(hash_bytes(k) % partitions);
      ByteWriter w(out.partitions[p]);
      Codec<K>::encode(w, k);
      w.varint(1 + rest.size());
      Codec<V>::encode(w, first);
      for (const V& v : rest) Codec<V>::encode(w, v);
    });
  } else {
    std::string key;
    table.for_each([&](const K& k, const V& first, std::span<V> rest) {
      key.clear();
      ByteWriter kw(key);
      Codec<K>::encode(kw, k);
      const std::size_t p = partitions == 1 ? 0 : static_cast<std::size_t>(hash_bytes(key) % partitions);
      std::string& block = out.partitions[p];
      block += key;
      ByteWriter w(block);
      w.varint(1 + rest.size());
      Codec<V>::encode(w, first);
      for (const V& v : rest) Codec<V>::encode(w, v);
    });
  }
  return out;
}

template <class D, class K, class V, class O>
ReduceOutput TypedJob<D, K, V, O>::reduce_partition(std::span<const std::string_view> blocks) const {
  detail::Table<K, V> table;
  {
    Emit<K, V> into(table, combine_fn(), static_cast<const D*>(this));
    for (std::string_view block : blocks) {
      ByteReader r(block);
      while (!r.done()) {
        if constexpr (std::is_same_v<K, std::string>) {
          // The key as a view into the block: copied only when new to the table.
          const std::string_view key = r.raw(r.length());
          const std::size_t n = r.length(1);
          for (std::size_t i = 0; i < n; ++i) into.emit(key, Codec<V>::decode(r));
        } else {
          K key = Codec<K>::decode(r);
          const std::size_t n = r.length(1);
          for (std::size_t i = 0; i < n; ++i) into.emit(key, Codec<V>::decode(r));
        }
      }
    }
  }

  std::vector<Record> records;
  Emit<K, O> emit_out(records);
  std::vector<V> values;
  table.for_each([&](const K& k, V& first, std::span<V> rest) {
    if (rest.empty()) {
      self().reduce(k, std::span<const V>(&first, 1), emit_out);
    } else {
      values.clear();
      values.push_back(std::move(first));
      for (V& v : rest) values.push_back(std::move(v));
      self().reduce(k, std::span<const V>(values), emit_out);
    }
  });

  ReduceOutput out;
  out.keys = table.size();
  table = detail::Table<K, V>();
  std::stable_sort(records.begin(), records.end(),
                   [this](const Record& a, const Record& b) { return record_before(a, b); });
  if (const std::uint64_t n = record_limit(); n != 0 && records.size() > n) records.resize(n);
  out.outputs = records.size();
  ByteWriter w(out.records);
  for (const Record& rec : records) {
    Codec<K>::encode(w, rec.first);
    Codec<O>::encode(w, rec.second);
  }
  return out;
}

template <class D, class K, class V, class O>
auto TypedJob<D, K, V, O>::decode_records(std::string_view block) -> std::vector<Record> {
  std::vector<Record> records;
  ByteReader r(block);
  while (!r.done()) {
    K k = Codec<K>::decode(r);
    O o = Codec<O>::decode(r);
    records.emplace_back(std::move(k), std::move(o));
  }
  return records;
}

template <class D, class K, class V, class O>
bool TypedJob<D, K, V, O>::record_before(const Record& a, const Record& b) const {
  if constexpr (requires(const D& d) { d.before(a.first, a.second, b.first, b.second); }) {
    if (self().before(a.first, a.second, b.first, b.second)) return true;
    if (self().before(b.first, b.second, a.first, a.second)) return false;
  }
  if constexpr (requires { a.first < b.first; }) {
    return a.first < b.first;
  } else {
    return false;
  }
}

template <class D, class K, class V, class O>
auto TypedJob<D, K, V, O>::merge_records(std::span<const std::string_view> outputs) const -> std::vector<Record> {
  std::vector<std::vector<Record>> parts;
  std::size_t total = 0;
  for (std::string_view block : outputs) {
    parts.push_back(decode_records(block));
    total += parts.back().size();
  }
  const std::uint64_t limit = record_limit();
  std::vector<Record> merged;
  merged.reserve(limit != 0 && limit < total ? limit : total);
  // k-way merge: heap of (part, position), smallest record first, ties by part index.
  using Cursor = std::pair<std::size_t, std::size_t>;
  auto after = [&](const Cursor& x, const Cursor& y) {
    const Record& a = parts[x.first][x.second];
    const Record& b = parts[y.first][y.second];
    if (record_before(b, a)) return true;
    if (record_before(a, b)) return false;
    return x.first > y.first;
  };
  std::priority_queue<Cursor, std::vector<Cursor>, decltype(after)> heap(after);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].empty()) heap.push({i, 0});
  }
  while (!heap.empty() && (limit == 0 || merged.size() < limit)) {
    auto [part, pos] = heap.top();
    heap.pop();
    merged.push_back(std::move(parts[part][pos]));
    if (pos + 1 < parts[part].size()) heap.push({part, pos + 1});
  }
  return merged;
}

template <class D, class K, class V, class O>
template <class T>
void TypedJob<D, K, V, O>::format_field(std::string& out, const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    out += value;
  } else if constexpr (std::is_same_v<T, bool>) {
    out += value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, res.ptr);
  } else if constexpr (requires { value.begin(); value.end(); }) {
    bool first = true;
    for (const auto& x : value) {
      if (!first) out += ',';
      first = false;
      format_field(out, x);
    }
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    std::apply(
        [&](const auto&... x) {
          std::size_t i = 0;
          ((out += (i++ == 0 ? "" : "\t"), format_field(out, x)), ...);
        },
        value);
  } else {
    static_assert(detail::Formattable<T>, "define format() in your job to print this key or value type");
  }
}

template <class D, class K, class V, class O>
void TypedJob<D, K, V, O>::write_output(std::span<const std::string_view> outputs, Sink& sink) const {
  constexpr bool kHasFormat = requires(const D& d, const Record& rec, std::string& buf) {
    d.format(rec.first, rec.second, buf);
  };
  if constexpr (!kHasFormat && !(detail::Formattable<K> && detail::Formattable<O>)) {
    // Only reached by a job that overrides neither format() nor write_output().
    (void)outputs;
    (void)sink;
    throw Error(Errc::invalid_state, "job '" + std::string(name()) +
                                         "': its key or output type has no default text; define format() or write_output()");
  } else {
    std::vector<Record> records = merge_records(outputs);
    std::string buf;
    for (const Record& rec : records) {
      if constexpr (kHasFormat) {
        self().format(rec.first, rec.second, buf);
      } else {
        format_field(buf, rec.first);
        buf += '\t';
        format_field(buf, rec.second);
        buf += '\n';
      }
      if (buf.size() >= (1u << 20)) {
        sink.write(buf);
        buf.clear();
      }
    }
    if (!buf.empty()) sink.write(buf);
  }
}

}  // namespace cohort::mapreduce
