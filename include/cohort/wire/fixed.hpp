#pragma once
/// Fixed-size wire values: arithmetic types and enums, read and written as the
/// exact bytes Boost's binary archive (OutArchive) writes for them, with no
/// archive object. Light header (no Boost): the codec's fast path and the
/// columnar task arrays (array_batch.hpp) use it.
///
/// The bytes, little-endian (a test checks them against the archive path, so a
/// peer on either path reads the other):
/// - an arithmetic type T: its sizeof(T) bytes (bool: one byte, 0 or 1);
/// - an enum: static_cast<int>(value) as 4 bytes (Boost saves every enum as int).
///
/// Thread safety: pure functions.

#include <cohort/wire/export.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace cohort::wire {

static_assert(std::endian::native == std::endian::little, "Cohort's wire format is little-endian");

/// True for the types the fast path handles (cv-unqualified arithmetic or enum).
template <class T>
inline constexpr bool is_fixed_wire_v =
    (std::is_arithmetic_v<T> || std::is_enum_v<T>) && !std::is_const_v<T> && !std::is_volatile_v<T>;

/// True when every type of the pack is a fixed wire type (also for an empty pack).
template <class... T>
inline constexpr bool all_fixed_wire_v = (is_fixed_wire_v<T> && ...);

namespace detail {
template <class T>
struct FixedRep {
  using type = T;
};
template <class T>
  requires std::is_enum_v<T>
struct FixedRep<T> {
  using type = int;
};
}  // namespace detail

/// Bytes one value of T takes on the wire.
template <class T>
  requires is_fixed_wire_v<T>
inline constexpr std::size_t fixed_wire_size_v = sizeof(typename detail::FixedRep<T>::type);

/// Bytes a whole argument list of fixed wire types takes (0 for none).
template <class... T>
  requires all_fixed_wire_v<T...>
inline constexpr std::size_t fixed_wire_size_of_v = (std::size_t{0} + ... + fixed_wire_size_v<T>);

/// Writes `value` at `at` (fixed_wire_size_v<T> bytes); returns the byte after it.
template <class T>
  requires is_fixed_wire_v<T>
std::byte* store_fixed(std::byte* at, const T& value) noexcept {
  if constexpr (std::is_enum_v<T>) {
    const int rep = static_cast<int>(value);
    std::memcpy(at, &rep, sizeof rep);
  } else if constexpr (std::is_same_v<T, bool>) {
    const unsigned char rep = value ? 1 : 0;
    std::memcpy(at, &rep, 1);
  } else {
    std::memcpy(at, &value, sizeof(T));
  }
  return at + fixed_wire_size_v<T>;
}

/// Reads a value written by store_fixed. Returns false (and leaves `value`
/// alone) only for a bool byte other than 0 or 1.
template <class T>
  requires is_fixed_wire_v<T>
bool load_fixed(const std::byte* at, T& value) noexcept {
  if constexpr (std::is_enum_v<T>) {
    int rep;
    std::memcpy(&rep, at, sizeof rep);
    value = static_cast<T>(rep);
  } else if constexpr (std::is_same_v<T, bool>) {
    unsigned char rep;
    std::memcpy(&rep, at, 1);
    if (rep > 1) return false;
    value = rep != 0;
  } else {
    std::memcpy(&value, at, sizeof(T));
  }
  return true;
}

namespace detail {
/// Throws the DecodeError an InArchive would: "<what>[ of task <id>]: <message>",
/// carrying `source_rank`. `task_id` ~0 means no task.
[[noreturn]] COHORT_WIRE_EXPORT void throw_decode_error(std::string_view what, std::uint64_t task_id,
                                                        int source_rank, const std::string& message);
}  // namespace detail

}  // namespace cohort::wire
