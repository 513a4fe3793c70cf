#pragma once
/// A small, header-only binary codec for MapReduce keys and values: what the
/// typed adapter (typed_job.hpp) uses to turn K/V into the bytes that cross
/// threads, ranks and part files. Light on purpose (no Boost): job plugins
/// include it in every translation unit.
///
/// Thread safety: ByteWriter/ByteReader are used by one thread each; Codec<T>
/// functions are reentrant.
///
/// - Built in: bool, integers (LEB128 varints, signed ones zig-zagged),
///   float/double (their IEEE bits, little-endian), std::string, std::vector,
///   std::array, std::pair, std::tuple. Specialise `Codec<T>` for your own types
///   (static encode(ByteWriter&, const T&) and static T decode(ByteReader&)).
/// - The encoding is the same on every rank and build (fixed widths, little-endian).
/// - ByteReader never reads past its end and never trusts a length: a short or
///   corrupt buffer is a cohort::DecodeError, not a crash or a huge allocation.
/// - hash_bytes() is a fixed 64-bit hash (not std::hash): every rank puts a key
///   in the same partition.

#include <cohort/core/error.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort::mapreduce {

/// Appends encoded values to a std::string.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) noexcept : out_(&out) {}
  void raw(const void* data, std::size_t n) { out_->append(static_cast<const char*>(data), n); }
  void varint(std::uint64_t v) {
    char buf[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->append(buf, n);
  }
  std::string& buffer() noexcept { return *out_; }

 private:
  std::string* out_;
};

/// Reads encoded values from a view; every read is bounds-checked.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) noexcept : p_(in.data()), end_(in.data() + in.size()) {}
  bool done() const noexcept { return p_ == end_; }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  std::string_view raw(std::size_t n) {
    if (n > left()) fail("needs " + std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
    std::string_view v(p_, n);
    p_ += n;
    return v;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) fail("varint runs past the end");
      const auto b = static_cast<unsigned char>(*p_++);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("varint longer than 10 bytes");
  }
  /// A length or count that must fit in what is left (each element >= `min_each` bytes).
  std::size_t length(std::size_t min_each = 1) {
    const std::uint64_t n = varint();
    if (min_each > 0 && n > left() / min_each) {
      fail("length " + std::to_string(n) + " larger than the " + std::to_string(left()) + " bytes left");
    }
    return static_cast<std::size_t>(n);
  }
  [[noreturn]] static void fail(const std::string& what) { throw DecodeError("mapreduce record: " + what); }

 private:
  const char* p_;
  const char* end_;
};

template <class T, class Enable = void>
struct Codec;  // specialise for your types

template <class T>
void encode(ByteWriter& w, const T& v) {
  Codec<T>::encode(w, v);
}
template <class T>
T decode(ByteReader& r) {
  return Codec<T>::decode(r);
}

/// True when Codec<T> exists.
template <class T>
concept Encodable = requires(ByteWriter& w, ByteReader& r, const T& v) {
  Codec<T>::encode(w, v);
  { Codec<T>::decode(r) } -> std::convertible_to<T>;
};

template <>
struct Codec<bool> {
  static void encode(ByteWriter& w, bool v) { w.raw(v ? "\1" : "\0", 1); }
  static bool decode(ByteReader& r) {
    const char c = r.raw(1)[0];
    if (c != 0 && c != 1) ByteReader::fail("bool byte is neither 0 nor 1");
    return c == 1;
  }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static void encode(ByteWriter& w, T v) {
    if constexpr (std::is_signed_v<T>) {
      const auto u = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
      w.varint((u << 1) ^ (static_cast<std::int64_t>(v) < 0 ? ~std::uint64_t{0} : 0));
    } else {
      w.varint(static_cast<std::uint64_t>(v));
    }
  }
  static T decode(ByteReader& r) {
    const std::uint64_t u = r.varint();
    if constexpr (std::is_signed_v<T>) {
      const auto s = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
      if (s < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          s > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
        ByteReader::fail("integer out of range");
      }
      return static_cast<T>(s);
    } else {
      if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) ByteReader::fail("integer out of range");
      return static_cast<T>(u);
    }
  }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float and double only (long double is not portable)");
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  static void encode(ByteWriter& w, T v) {
    const Bits b = std::bit_cast<Bits>(v);
    static_assert(std::endian::native == std::endian::little, "Cohort's record format is little-endian");
    w.raw(&b, sizeof b);
  }
  static T decode(ByteReader& r) {
    Bits b;
    std::memcpy(&b, r.raw(sizeof b).data(), sizeof b);
    return std::bit_cast<T>(b);
  }
};

template <>
struct Codec<std::string> {
  static void encode(ByteWriter& w, std::string_view v) {
    w.varint(v.size());
    w.raw(v.data(), v.size());
  }
  static std::string decode(ByteReader& r) { return std::string(r.raw(r.length())); }
};

template <class T, class A>
struct Codec<std::vector<T, A>> {
  static void encode(ByteWriter& w, const std::vector<T, A>& v) {
    w.varint(v.size());
    for (const auto& x : v) Codec<T>::encode(w, x);
  }
  static std::vector<T, A> decode(ByteReader& r) {
    const std::size_t n = r.length(1);  // every element takes at least one byte
    std::vector<T, A> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i) v.push_back(Codec<T>::decode(r));
    return v;
  }
};

template <class T, std::size_t N>
struct Codec<std::array<T, N>> {
  static void encode(ByteWriter& w, const std::array<T, N>& v) {
    for (const auto& x : v) Codec<T>::encode(w, x);
  }
  static std::array<T, N> decode(ByteReader& r) {
    std::array<T, N> v{};
    for (auto& x : v) x = Codec<T>::decode(r);
    return v;
  }
};

template <class A, class B>
struct Codec<std::pair<A, B>> {
  static void encode(ByteWriter& w, const std::pair<A, B>& v) {
    Codec<A>::encode(w, v.first);
    Codec<B>::encode(w, v.second);
  }
  static std::pair<A, B> decode(ByteReader& r) {
    A a = Codec<A>::decode(r);
    B b = Codec<B>::decode(r);
    return {std::move(a), std::move(b)};
  }
};

template <class... T>
struct Codec<std::tuple<T...>> {
  static void encode(ByteWriter& w, const std::tuple<T...>& v) {
    std::apply([&](const auto&... x) { (Codec<std::decay_t<decltype(x)>>::encode(w, x), ...); }, v);
  }
  static std::tuple<T...> decode(ByteReader& r) { return std::tuple<T...>{Codec<T>::decode(r)...}; }
};

namespace detail {
/// The first min(n, 8) bytes at p as a little-endian number, zero-extended;
/// reads only [p, p + n), with at most three loads (no byte loop, no memcpy call).
inline std::uint64_t load_prefix(const char* p, std::size_t n) noexcept {
  static_assert(std::endian::native == std::endian::little, "Cohort's record format is little-endian");
  if (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  if (n >= 4) {  // two overlapping 4-byte loads
    std::uint32_t lo;
    std::uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (static_cast<std::uint64_t>(hi) << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  const auto b = [p](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
  return b(0) | (b(n / 2) << (8 * (n / 2))) | (b(n - 1) << (8 * (n - 1)));
}
}  // namespace detail

/// Fixed 64-bit hash of bytes (the same on every rank and build).
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * kMul);
  const char* p = s.data();
  std::size_t n = s.size();
  auto mix = [](std::uint64_t x) {
    x ^= x >> 31;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
  };
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix(h ^ (w * kMul)) * kMul;
    p += 8;
    n -= 8;
  }
  const std::uint64_t tail = detail::load_prefix(p, n);
  h = mix(h ^ (tail * kMul) ^ n);
  return mix(h);
}

}  // namespace cohort::mapreduce
