#pragma once
// What the batch codec (batch.cpp) and the array codec (array_batch.cpp) share:
// opening a message of one kind and sealing one, the checks both decoders make
// before they trust a count, and the error texts of a failed task, which both
// formats lay out the same way (u32 length + bytes, type then message).
// One definition each, so both formats refuse the same things with the same
// DecodeError text. Private to the wire module; everything here is stateless.

#include "bytes.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::wire::detail {

/// Checks `message`'s envelope (decode_envelope) and that it is of kind `expected`.
/// @throws DecodeError naming both kinds and the batch id
inline EnvelopeView open_message(std::span<const std::byte> message, MessageKind expected, int rank,
                                 const DecodeLimits& limits) {
  EnvelopeView v = decode_envelope(message, rank, limits);
  if (v.header.kind != expected) {
    throw DecodeError("expected a " + std::string(to_string(expected)) + " message, got " +
                          std::string(to_string(v.header.kind)) + " (batch " + std::to_string(v.header.batch_id) + ")",
                      rank);
  }
  return v;
}

/// Writes the envelope header over the first kHeaderSize bytes of `buf`, whose
/// payload follows them.
inline void seal(std::vector<std::byte>& buf, MessageKind kind, std::uint64_t batch_id, std::uint64_t session_id) {
  EnvelopeHeader h;
  h.kind = kind;
  h.batch_id = batch_id;
  h.session_id = session_id;
  h.payload_size = buf.size() - kHeaderSize;
  write_envelope_header(buf, h);
}

// ---- checks before a count is trusted -------------------------------------------

/// `count` records (`noun`: "tasks", "results") within limits.max_tasks_per_batch.
inline void check_count(const Reader& r, std::uint32_t count, std::string_view noun, const DecodeLimits& limits) {
  if (count > limits.max_tasks_per_batch) {
    r.fail(std::to_string(count) + " " + std::string(noun) + " is over the cap of " +
           std::to_string(limits.max_tasks_per_batch));
  }
}

/// `count` records of at least `min_record` bytes each fit in `available` bytes
/// (checked before anything is reserved for them).
inline void check_fits(const Reader& r, std::uint32_t count, std::size_t min_record, std::size_t available,
                       std::string_view noun) {
  if (std::uint64_t{count} * min_record > available) {
    r.fail(std::to_string(count) + " " + std::string(noun) + " cannot fit in " + std::to_string(available) +
           " bytes");
  }
}

/// Task ids first_id .. first_id + count do not wrap around.
inline void check_id_range(const Reader& r, std::uint64_t first_id, std::uint32_t count) {
  if (first_id > ~std::uint64_t{0} - count) {
    r.fail("task ids " + std::to_string(first_id) + "+" + std::to_string(count) + " overflow");
  }
}

// ---- the error texts of a failed task -------------------------------------------

struct ErrorText {
  std::string_view type;
  std::string_view message;
};

/// Appends `s` as u32 length + bytes, clipped to what a decoder with default
/// limits accepts (so a long message still decodes).
inline void put_error_field(std::vector<std::byte>& out, std::string_view s) {
  const std::size_t cap = DecodeLimits{}.max_error_text_bytes;
  if (s.size() > cap) s = s.substr(0, cap);
  put_le(out, static_cast<std::uint32_t>(s.size()));
  put_bytes(out, s.data(), s.size());
}

/// Appends type then message (see put_error_field()).
inline void put_error_text(std::vector<std::byte>& out, std::string_view type, std::string_view message) {
  put_error_field(out, type);
  put_error_field(out, message);
}

/// Reads what put_error_text() wrote; each length is checked against
/// limits.max_error_text_bytes before it is used. The views point into the message.
inline ErrorText read_error_text(Reader& r, std::uint64_t task_id, const DecodeLimits& limits) {
  ErrorText e;
  const auto tlen = r.read<std::uint32_t>("error type length");
  if (tlen > limits.max_error_text_bytes) r.fail("error type of task " + std::to_string(task_id) + " is over the cap");
  e.type = r.text(tlen, "error type");
  const auto mlen = r.read<std::uint32_t>("error message length");
  if (mlen > limits.max_error_text_bytes) {
    r.fail("error message of task " + std::to_string(task_id) + " is over the cap");
  }
  e.message = r.text(mlen, "error message");
  return e;
}

}  // namespace cohort::wire::detail
