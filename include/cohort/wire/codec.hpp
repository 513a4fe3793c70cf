#pragma once
/// Typed encoding and decoding of task arguments and results with Boost.Serialization.
/// HEAVY header (includes Boost.Serialization through archive.hpp): include it
/// in the translation units that submit or decode typed tasks, not in widely
/// included headers. Include the boost/serialization/<type>.hpp headers your
/// argument and result types need (string, vector, map, ...) before use.
///
/// Thread safety: every function is reentrant; writers and records follow batch.hpp.
///
/// Contract:
/// - The arguments of one task and one result are each one self-contained
///   archive: they decode alone, in any order, on any thread.
/// - decode_value() / decode_args() refuse bytes left over after the last value
///   (a sign that sender and receiver disagree on the types).
/// - Every decoding failure, whatever Boost throws, is a cohort::DecodeError
///   naming what was decoded and the sender's rank.
/// - Fast path: when every value is arithmetic or an enum (fixed.hpp), no
///   archive object is built; the bytes, the checks and the error messages are
///   those of the archive path (tests compare both).

#include <cohort/core/error.hpp>
#include <cohort/wire/archive.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/fixed.hpp>

#include <boost/archive/archive_exception.hpp>

#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace cohort::wire {

/// Appends the archive of `values...` (in order) to `out`.
template <class... A>
void write_values(std::vector<std::byte>& out, const A&... values) {
  if constexpr (all_fixed_wire_v<A...>) {
    const std::size_t at = out.size();
    out.resize(at + fixed_wire_size_of_v<A...>);
    std::byte* p = out.data() + at;
    ((p = store_fixed(p, values)), ...);
    (void)p;
  } else {
    OutArchive ar(out);
    ((ar << values), ...);
  }
}

/// The arguments of one task as bytes: keep them to send (or resend) later with
/// TaskBatchWriter::add().
template <class... A>
std::vector<std::byte> encode_args(const A&... args) {
  std::vector<std::byte> out;
  write_values(out, args...);
  return out;
}

/// One value (e.g. a result) as bytes.
template <class T>
std::vector<std::byte> encode_value(const T& value) {
  return encode_args(value);
}

/// Appends a task with typed arguments to a batch, encoding them in place.
/// If encoding throws, the task is dropped from the batch and the exception propagates.
template <class... A>
void add_task(TaskBatchWriter& batch, std::uint64_t id, std::uint32_t attempt, std::string_view name,
              const A&... args) {
  std::vector<std::byte>& out = batch.begin_task(id, attempt, name);
  try {
    write_values(out, args...);
  } catch (...) {
    batch.abort_task();
    throw;
  }
  batch.end_task();
}

namespace detail {

/// Runs `read(InArchive&)` over `bytes` and checks nothing is left over; turns
/// every failure but bad_alloc into a DecodeError ("<what> of task <id>: ...").
template <class Read>
void read_archive(std::span<const std::byte> bytes, int source_rank, std::string_view what,
                  std::uint64_t task_id, Read&& read) {
  InArchive ar(bytes, source_rank, what, task_id);
  try {
    read(ar);
  } catch (const DecodeError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const boost::archive::archive_exception& e) {
    ar.fail(e.what());
  } catch (const std::exception& e) {
    ar.fail(e.what());
  }
  if (ar.remaining() != 0) {
    ar.fail(std::to_string(ar.remaining()) + " bytes left over after the last value (do both sides agree on the types?)");
  }
}

/// The fast path of the decoders: fixed wire values read in order with the
/// archive path's checks (bytes left, bool bytes, nothing left over) and messages.
template <class... T>
void read_fixed(std::span<const std::byte> bytes, int source_rank, std::string_view what, std::uint64_t task_id,
                T&... values) {
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  [[maybe_unused]] auto one = [&](auto& v) {
    constexpr std::size_t n = fixed_wire_size_v<std::remove_reference_t<decltype(v)>>;
    if (n > left) {
      throw_decode_error(what, task_id, source_rank,
                         "truncated: needs " + std::to_string(n) + " more bytes, " + std::to_string(left) + " left");
    }
    if (!load_fixed(p, v)) {
      throw_decode_error(what, task_id, source_rank,
                         "a bool holds byte " + std::to_string(static_cast<unsigned>(*p)));
    }
    p += n;
    left -= n;
  };
  (one(values), ...);
  if (left != 0) {
    throw_decode_error(what, task_id, source_rank,
                       std::to_string(left) + " bytes left over after the last value (do both sides agree on the types?)");
  }
}

}  // namespace detail

/// Decodes one value of type T (default-constructible) from `bytes`.
/// @throws cohort::DecodeError naming `what`, `task_id` (unless kNoTask) and `source_rank`
template <class T>
T decode_value(std::span<const std::byte> bytes, int source_rank, std::string_view what = "value",
               std::uint64_t task_id = InArchive::kNoTask) {
  static_assert(std::is_default_constructible_v<T>, "decoded types must be default-constructible");
  T value{};
  if constexpr (is_fixed_wire_v<T>) {
    detail::read_fixed(bytes, source_rank, what, task_id, value);
  } else {
    detail::read_archive(bytes, source_rank, what, task_id, [&](InArchive& ar) { ar >> value; });
  }
  return value;
}

/// Decodes a whole argument list into a tuple of values.
template <class... A>
std::tuple<A...> decode_args(std::span<const std::byte> bytes, int source_rank,
                             std::uint64_t task_id = InArchive::kNoTask) {
  static_assert((std::is_default_constructible_v<A> && ...), "argument types must be default-constructible");
  std::tuple<A...> values{};
  if constexpr (all_fixed_wire_v<A...>) {
    std::apply([&](auto&... v) { detail::read_fixed(bytes, source_rank, "arguments", task_id, v...); }, values);
  } else {
    detail::read_archive(bytes, source_rank, "arguments", task_id,
                         [&](InArchive& ar) { std::apply([&](auto&... v) { ((ar >> v), ...); }, values); });
  }
  return values;
}

/// The result a record carries, for a task that ran on `rank` (on `host`).
/// - ok record: the decoded value (R = void: nothing; the value must be empty);
/// - error record: throws what to_exception() makes of it (RemoteError for a
///   task that threw, Error(unknown_task) for an unknown name, ...);
/// - undecodable value: throws DecodeError.
template <class R>
R decode_result(const ResultRecord& record, int rank, std::string_view host) {
  if (!record.ok()) std::rethrow_exception(to_exception(record, rank, host));
  if constexpr (std::is_void_v<R>) {
    detail::read_fixed(record.value, rank, "result", record.id);
  } else {
    return decode_value<R>(record.value, rank, "result", record.id);
  }
}

}  // namespace cohort::wire
