// Fuzz target: the typed decoders of codec.hpp (decode_value / decode_args)
// over raw archive bytes, for the types Cohort's own tasks and jobs send.
//
// Input: one byte choosing the type (modulo the number of cases), then the
// archive bytes. Invariants: decoding throws nothing but cohort::DecodeError
// (naming the rank); a value that decodes encodes to bytes that decode to a
// value which encodes to the same bytes again (encode . decode is stable).

#include "fuzz_common.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/codec.hpp>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace wire = cohort::wire;

namespace {

constexpr int kRank = 6;
constexpr std::uint64_t kTask = 42;

template <class T>
void one_value(std::span<const std::byte> bytes) {
  T value;
  try {
    value = wire::decode_value<T>(bytes, kRank, "value", kTask);
  } catch (const cohort::DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == kRank);
    return;
  }
  const std::vector<std::byte> first = wire::encode_value(value);
  const std::vector<std::byte> second = wire::encode_value(wire::decode_value<T>(first, kRank));
  COHORT_FUZZ_CHECK(first == second);
}

template <class... A>
void arg_list(std::span<const std::byte> bytes) {
  std::tuple<A...> values;
  try {
    values = wire::decode_args<A...>(bytes, kRank, kTask);
  } catch (const cohort::DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == kRank);
    return;
  }
  const std::vector<std::byte> first = std::apply([](const auto&... v) { return wire::encode_args(v...); }, values);
  const auto reread = wire::decode_args<A...>(first, kRank);
  const std::vector<std::byte> second = std::apply([](const auto&... v) { return wire::encode_args(v...); }, reread);
  COHORT_FUZZ_CHECK(first == second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto bytes = cohort::fuzz::as_bytes(data + 1, size - 1);
  switch (data[0] % 16) {
    case 0: one_value<std::uint64_t>(bytes); break;
    case 1: one_value<int>(bytes); break;
    case 2: one_value<double>(bytes); break;
    case 3: one_value<bool>(bytes); break;
    case 4: one_value<std::string>(bytes); break;
    case 5: one_value<std::vector<int>>(bytes); break;
    case 6: one_value<std::vector<double>>(bytes); break;
    case 7: one_value<std::vector<std::string>>(bytes); break;
    case 8: one_value<std::pair<std::string, std::uint64_t>>(bytes); break;
    case 9: one_value<std::map<std::string, std::uint64_t>>(bytes); break;
    case 10: one_value<std::vector<std::pair<std::string, std::uint64_t>>>(bytes); break;
    case 11: one_value<std::vector<std::vector<int>>>(bytes); break;
    case 12: arg_list<std::uint64_t, std::string, std::string>(bytes); break;
    case 13: arg_list<std::uint64_t, std::string, std::uint32_t>(bytes); break;
    case 14: arg_list<int, std::string, std::vector<double>>(bytes); break;
    case 15: arg_list<>(bytes); break;
  }
  return 0;
}
