#pragma once
// Shared by the fuzz targets of the batch and array decoders (task_batch,
// result_batch, arrays): the message a mode bit asks for, a decode that may
// only refuse with a DecodeError naming the sender, and the checks every
// decoded message must pass. Needs cohort::wire (fuzz_common.hpp does not).

#include "fuzz_common.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace cohort::fuzz {

/// The message to decode: `body` wrapped in a valid envelope of `kind` when
/// `wrap` (so that mutations reach the payload decoder rather than fail the
/// header checksum), else `body` as it is, envelope included.
inline std::vector<std::byte> message_of(std::span<const std::byte> body, bool wrap, wire::MessageKind kind,
                                         std::uint64_t batch_id, std::uint64_t session_id = 0) {
  if (!wrap) return {body.begin(), body.end()};
  wire::EnvelopeHeader h;
  h.kind = kind;
  h.batch_id = batch_id;
  h.session_id = session_id;
  return wire::encode_envelope(h, body);
}

/// The `n` bytes at `p` lie inside `message` (an empty view may point anywhere).
inline bool inside(const void* p, std::size_t n, std::span<const std::byte> message) {
  const auto* b = static_cast<const std::byte*>(p);
  return n == 0 || (b >= message.data() && b + n <= message.data() + message.size());
}

/// What `decode()` returns, or nothing when it refused the bytes with a
/// DecodeError, which must name `rank` as the sender. Any other exception escapes
/// (libFuzzer reports it as a crash).
template <class Decode>
auto decoded_or_refused(int rank, Decode&& decode) -> std::optional<decltype(decode())> {
  try {
    return decode();
  } catch (const DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == rank);
    return std::nullopt;
  }
}

/// What a decoded TaskBatch / ResultBatch says of itself agrees with the
/// message: its kind, its length, a record count within the limits.
template <class Batch>
void check_batch_header(const Batch& b, wire::MessageKind kind, std::size_t message_size,
                        const wire::DecodeLimits& limits) {
  COHORT_FUZZ_CHECK(b.header().kind == kind);
  COHORT_FUZZ_CHECK(b.header().payload_size + wire::kHeaderSize == message_size);
  COHORT_FUZZ_CHECK(b.size() <= limits.max_tasks_per_batch);
}

}  // namespace cohort::fuzz
