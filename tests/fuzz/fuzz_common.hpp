#pragma once
// Shared by the fuzz targets: an invariant check that crashes (so libFuzzer
// keeps the input), and a reader that turns fuzz bytes into choices.
// Never throws: a short input reads as zeros.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#define COHORT_FUZZ_CHECK(cond) ((cond) ? void(0) : ::cohort::fuzz::check_failed(#cond, __FILE__, __LINE__))

namespace cohort::fuzz {

[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

inline std::span<const std::byte> as_bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

/// Consumes an input front to back.
class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }

  std::uint8_t byte() noexcept { return p_ == end_ ? 0 : *p_++; }

  template <class T>
  T integer() noexcept {
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | (static_cast<T>(byte()) << (8 * i)));
    return v;
  }

  /// A string of up to `max` bytes: a length byte, then that many bytes.
  std::string text(std::size_t max) {
    std::size_t n = byte();
    if (n > max) n = max;
    if (n > remaining()) n = remaining();
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

  /// The bytes not consumed yet.
  std::span<const std::byte> rest() const noexcept {
    return {reinterpret_cast<const std::byte*>(p_), remaining()};
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

}  // namespace cohort::fuzz
