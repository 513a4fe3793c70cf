#pragma once
// Little-endian integers in byte buffers, and a bounds-checked reader that turns
// every overrun into a DecodeError naming the field and the sender's rank.
// Private to the wire module.

#include <cohort/core/error.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cohort::wire::detail {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; a big-endian port needs byte swaps here");

template <class T>
void store_le(std::byte* at, T value) noexcept {
  static_assert(std::is_integral_v<T>);
  std::memcpy(at, &value, sizeof(T));
}

template <class T>
T load_le(const std::byte* at) noexcept {
  static_assert(std::is_integral_v<T>);
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

template <class T>
void put_le(std::vector<std::byte>& out, T value) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(T));
  store_le(out.data() + at, value);
}

inline void put_bytes(std::vector<std::byte>& out, const void* data, std::size_t n) {
  const auto* p = static_cast<const std::byte*>(data);
  out.insert(out.end(), p, p + n);
}

/// Reads fields in order from a span; every read checks the bytes left first.
/// Errors name the message as "<noun> <id>: " ("task batch 7: ..."); that text
/// is only built when a read fails. `noun` must outlive the reader (a literal).
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, int source_rank, std::string_view noun, std::uint64_t id)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), rank_(source_rank), noun_(noun), id_(id) {}

  /// A reader of `bytes`, another part of the same message, that names it the same way.
  Reader part(std::span<const std::byte> bytes) const { return Reader(bytes, rank_, noun_, id_); }

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  const std::byte* position() const noexcept { return p_; }

  template <class T>
  T read(std::string_view field) {
    need(sizeof(T), field);
    T v = load_le<T>(p_);
    p_ += sizeof(T);
    return v;
  }

  std::span<const std::byte> bytes(std::uint64_t n, std::string_view field) {
    need(n, field);
    std::span<const std::byte> s(p_, static_cast<std::size_t>(n));
    p_ += n;
    return s;
  }

  std::string_view text(std::uint64_t n, std::string_view field) {
    auto s = bytes(n, field);
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw DecodeError(std::string(noun_) + " " + std::to_string(id_) + ": " + message, rank_);
  }

  /// Fails unless every byte was read; `after` says after what ("the last task").
  void expect_end(std::string_view after) const {
    if (remaining() != 0) fail(std::to_string(remaining()) + " trailing bytes after " + std::string(after));
  }

  void need(std::uint64_t n, std::string_view field) const {
    if (n > remaining()) {
      fail(std::string(field) + " needs " + std::to_string(n) + " bytes but only " +
           std::to_string(remaining()) + " are left");
    }
  }

 private:
  const std::byte* p_;
  const std::byte* end_;
  int rank_;
  std::string_view noun_;
  std::uint64_t id_;
};

}  // namespace cohort::wire::detail
