#pragma once
// Helpers the wire unit tests share: bytes from text, and the check every
// message decoder must pass on every truncation of a valid message.

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::wire::test {

inline std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

/// Message::decode refuses every proper prefix of `m` with a DecodeError. Each
/// prefix is a buffer of its own, so a read past its end is a sanitizer report.
template <class Message>
void expect_every_cut_fails(const std::vector<std::byte>& m) {
  for (std::size_t cut = 0; cut < m.size(); ++cut) {
    std::vector<std::byte> part(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW((void)Message::decode(std::move(part), 2), DecodeError) << "cut at " << cut;
  }
}

}  // namespace cohort::wire::test
