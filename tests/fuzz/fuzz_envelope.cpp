// Fuzz target: cohort::wire::decode_envelope.
//
// Input: one mode byte, then the message. Mode bits help the fuzzer past the
// checks a random mutation almost never satisfies, so the later ones get exercised:
//   bit 0  write the correct header checksum before decoding
//   bit 1  first set the payload length field to the bytes actually present
//   bit 2  decode with a 64-byte payload cap instead of the default
// Invariants: decoding either throws cohort::DecodeError or returns a view whose
// payload is exactly the bytes after the header, and re-encoding the header
// and payload gives back the message byte for byte.

#include "fuzz_common.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

namespace wire = cohort::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::vector<std::byte> message(size - 1);
  if (size > 1) std::memcpy(message.data(), data + 1, size - 1);

  if (message.size() >= wire::kHeaderSize) {
    if (mode & 2) {
      const std::uint64_t n = message.size() - wire::kHeaderSize;
      std::memcpy(message.data() + 32, &n, sizeof n);
    }
    if (mode & 1) {
      const std::uint32_t sum = wire::envelope_header_checksum(std::span(message).first(wire::kHeaderSize));
      std::memcpy(message.data() + 12, &sum, sizeof sum);
    }
  }
  wire::DecodeLimits limits;
  if (mode & 4) limits.max_payload_bytes = 64;

  wire::EnvelopeView v;
  try {
    v = wire::decode_envelope(message, 3, limits);
  } catch (const cohort::DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == 3);
    COHORT_FUZZ_CHECK(std::strlen(e.what()) > 0);
    return 0;
  }
  COHORT_FUZZ_CHECK(message.size() >= wire::kHeaderSize);
  COHORT_FUZZ_CHECK(v.payload.data() == message.data() + wire::kHeaderSize);
  COHORT_FUZZ_CHECK(v.payload.size() == message.size() - wire::kHeaderSize);
  COHORT_FUZZ_CHECK(v.header.payload_size == v.payload.size());
  COHORT_FUZZ_CHECK(v.header.payload_size <= limits.max_payload_bytes);
  COHORT_FUZZ_CHECK(v.header.flags == 0);
  COHORT_FUZZ_CHECK(wire::to_string(v.header.kind) != "unknown");

  const std::vector<std::byte> again = wire::encode_envelope(v.header, v.payload);
  COHORT_FUZZ_CHECK(again == message);
  return 0;
}
