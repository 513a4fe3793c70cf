#pragma once
/// The envelope every Cohort message travels in: a fixed 40-byte little-endian
/// header (magic, format version, kind, flags, header checksum, batch id,
/// session id, payload length) followed by the payload. Light header: no Boost.
///
/// Thread safety: plain values and pure functions; safe from any thread.
///
/// Contract of decode_envelope():
/// - it trusts nothing: a short buffer, a bad magic, an unknown version, a bad
///   header checksum, an unknown kind or flag, a payload length over
///   `DecodeLimits::max_payload_bytes`, past the buffer or short of it (trailing
///   bytes) is a cohort::DecodeError naming what was wrong and the sender's rank;
/// - it never allocates: the payload is a view into the caller's bytes.
///
/// Wire layout (all integers little-endian), version 1:
///
///   offset size field
///        0    4 magic "CHRT"
///        4    2 format version (kFormatVersion)
///        6    2 kind (MessageKind)
///        8    4 flags (none defined in version 1: must be 0)
///       12    4 header checksum: FNV-1a 32 of the 40 header bytes, this field as 0
///       16    8 batch id (sequence number chosen by the sender)
///       24    8 session id (the job/run the message belongs to)
///       32    8 payload length in bytes
///       40    - payload

#include <cohort/wire/export.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cohort::wire {

inline constexpr std::uint32_t kMagic = 0x54524843;  ///< "CHRT" as little-endian bytes
inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 40;

/// What the payload is. Values are wire values: never renumber.
enum class MessageKind : std::uint16_t {
  task_batch = 1,    ///< TaskBatch (batch.hpp)
  result_batch = 2,  ///< ResultBatch (batch.hpp)
  control = 3,       ///< scheduler <-> worker control (payload defined by the cluster layer)
  shuffle_data = 4,  ///< key/value data between workers (payload defined by mapreduce)
  task_array = 5,    ///< TaskArray (array_batch.hpp): columnar tasks of one name
  result_array = 6,  ///< ResultArray (array_batch.hpp): the answer to a task_array
};

/// "task_batch", ... ; "unknown" for a value outside the enum.
COHORT_WIRE_EXPORT std::string_view to_string(MessageKind kind) noexcept;

/// Caps the decoders enforce. Defaults suit every message Cohort itself sends.
struct DecodeLimits {
  std::uint64_t max_payload_bytes = std::uint64_t{256} << 20;  ///< 256 MiB
  std::uint32_t max_tasks_per_batch = 1u << 20;                ///< records in one batch
  std::uint32_t max_task_name_bytes = 1024;                    ///< one task name
  std::uint32_t max_error_text_bytes = 64u << 10;              ///< error type or message
};

/// The header fields a sender chooses. Magic, version, checksum and payload
/// length are filled in by the encoder.
struct EnvelopeHeader {
  MessageKind kind = MessageKind::control;
  std::uint32_t flags = 0;
  std::uint64_t batch_id = 0;
  std::uint64_t session_id = 0;
  std::uint64_t payload_size = 0;  ///< set by the encoder; read by the decoder

  friend bool operator==(const EnvelopeHeader&, const EnvelopeHeader&) = default;
};

/// A decoded message: its header and a view of its payload (into the bytes
/// given to decode_envelope(), which must outlive it).
struct EnvelopeView {
  EnvelopeHeader header;
  std::span<const std::byte> payload;
};

/// Header + payload in one new buffer (payload copied once).
COHORT_WIRE_EXPORT std::vector<std::byte> encode_envelope(EnvelopeHeader header,
                                                          std::span<const std::byte> payload);

/// Writes the 40 header bytes for a payload of `header.payload_size` bytes into
/// `out` (which must hold kHeaderSize bytes). Lets a writer build the payload in
/// place after a reserved header and fill the header in last (no copy).
COHORT_WIRE_EXPORT void write_envelope_header(std::span<std::byte> out, const EnvelopeHeader& header);

/// Decodes and checks a whole message; see the contract above.
/// `source_rank` is who sent the bytes (-1: not from a rank); it goes into errors.
/// @throws cohort::DecodeError
COHORT_WIRE_EXPORT EnvelopeView decode_envelope(std::span<const std::byte> message, int source_rank,
                                                const DecodeLimits& limits = {});

/// The checksum stored at offset 12, computed over `header` (kHeaderSize bytes)
/// with the checksum field taken as zero. Exposed for tests and tools.
COHORT_WIRE_EXPORT std::uint32_t envelope_header_checksum(std::span<const std::byte> header) noexcept;

}  // namespace cohort::wire
