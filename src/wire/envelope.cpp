#include <cohort/wire/envelope.hpp>

#include "bytes.hpp"

#include <cohort/core/error.hpp>

#include <string>

namespace cohort::wire {
namespace {

constexpr std::size_t kChecksumOffset = 12;

// The header's fields, listed once, in wire order. `Io` is a writer or a
// reader: both encode and decode walk this one list.
struct HeaderFields {
  std::uint32_t magic = kMagic;
  std::uint16_t version = kFormatVersion;
  std::uint16_t kind = 0;
  std::uint32_t flags = 0;
  std::uint32_t checksum = 0;
  std::uint64_t batch_id = 0;
  std::uint64_t session_id = 0;
  std::uint64_t payload_size = 0;

  template <class Io>
  void serialize(Io& io) {
    io(magic);
    io(version);
    io(kind);
    io(flags);
    io(checksum);
    io(batch_id);
    io(session_id);
    io(payload_size);
  }
};

struct HeaderWriter {
  std::byte* at;
  template <class T>
  void operator()(T value) {
    detail::store_le(at, value);
    at += sizeof(T);
  }
};

struct HeaderReader {
  const std::byte* at;
  template <class T>
  void operator()(T& value) {
    value = detail::load_le<T>(at);
    at += sizeof(T);
  }
};

bool known_kind(std::uint16_t k) noexcept {
  return k >= static_cast<std::uint16_t>(MessageKind::task_batch) &&
         k <= static_cast<std::uint16_t>(MessageKind::result_array);
}

std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  bool started = false;
  for (int shift = 60; shift >= 0; shift -= 4) {
    const auto d = static_cast<unsigned>((v >> shift) & 0xF);
    if (d != 0 || started || shift == 0) {
      s += digits[d];
      started = true;
    }
  }
  return s;
}

}  // namespace

std::string_view to_string(MessageKind kind) noexcept {
  switch (kind) {
    case MessageKind::task_batch: return "task_batch";
    case MessageKind::result_batch: return "result_batch";
    case MessageKind::control: return "control";
    case MessageKind::shuffle_data: return "shuffle_data";
    case MessageKind::task_array: return "task_array";
    case MessageKind::result_array: return "result_array";
  }
  return "unknown";
}

std::uint32_t envelope_header_checksum(std::span<const std::byte> header) noexcept {
  // FNV-1a, 32 bit: cheap and enough to catch a torn or misaligned header.
  std::uint32_t h = 2166136261u;
  const std::size_t n = header.size() < kHeaderSize ? header.size() : kHeaderSize;
  for (std::size_t i = 0; i < n; ++i) {
    const bool in_checksum = i >= kChecksumOffset && i < kChecksumOffset + 4;
    h ^= in_checksum ? 0u : static_cast<std::uint32_t>(header[i]);
    h *= 16777619u;
  }
  return h;
}

void write_envelope_header(std::span<std::byte> out, const EnvelopeHeader& header) {
  if (out.size() < kHeaderSize) {
    throw Error(Errc::invalid_argument, "write_envelope_header: the output holds " +
                                            std::to_string(out.size()) + " bytes, a header needs " +
                                            std::to_string(kHeaderSize));
  }
  HeaderFields f;
  f.kind = static_cast<std::uint16_t>(header.kind);
  f.flags = header.flags;
  f.batch_id = header.batch_id;
  f.session_id = header.session_id;
  f.payload_size = header.payload_size;
  HeaderWriter w{out.data()};
  f.serialize(w);
  detail::store_le(out.data() + kChecksumOffset, envelope_header_checksum(out.first(kHeaderSize)));
}

std::vector<std::byte> encode_envelope(EnvelopeHeader header, std::span<const std::byte> payload) {
  header.payload_size = payload.size();
  std::vector<std::byte> out(kHeaderSize + payload.size());
  write_envelope_header(out, header);
  if (!payload.empty()) std::memcpy(out.data() + kHeaderSize, payload.data(), payload.size());
  return out;
}

EnvelopeView decode_envelope(std::span<const std::byte> message, int source_rank, const DecodeLimits& limits) {
  auto fail = [&](const std::string& what) -> void { throw DecodeError("envelope: " + what, source_rank); };
  if (message.size() < kHeaderSize) {
    fail("message of " + std::to_string(message.size()) + " bytes is shorter than the " +
         std::to_string(kHeaderSize) + "-byte header");
  }
  HeaderFields f;
  HeaderReader r{message.data()};
  f.serialize(r);
  // Order matters: magic first (is it ours at all?), then version (a newer
  // header may be laid out differently), then the checksum, then the fields.
  if (f.magic != kMagic) fail("bad magic " + hex(f.magic) + " (expected " + hex(kMagic) + ", \"CHRT\")");
  if (f.version != kFormatVersion) {
    fail("unknown format version " + std::to_string(f.version) + " (this build reads version " +
         std::to_string(kFormatVersion) + ")");
  }
  const std::uint32_t expected = envelope_header_checksum(message.first(kHeaderSize));
  if (f.checksum != expected) {
    fail("header checksum " + hex(f.checksum) + " does not match the header (" + hex(expected) + ")");
  }
  if (!known_kind(f.kind)) fail("unknown message kind " + std::to_string(f.kind));
  if (f.flags != 0) fail("unknown flags " + hex(f.flags));
  if (f.payload_size > limits.max_payload_bytes) {
    fail("payload length " + std::to_string(f.payload_size) + " is over the cap of " +
         std::to_string(limits.max_payload_bytes) + " bytes");
  }
  const std::uint64_t available = message.size() - kHeaderSize;
  if (f.payload_size > available) {
    fail("payload length " + std::to_string(f.payload_size) + " runs past the end of the message (" +
         std::to_string(available) + " payload bytes received)");
  }
  if (f.payload_size < available) {
    fail(std::to_string(available - f.payload_size) + " trailing bytes after a payload of " +
         std::to_string(f.payload_size));
  }
  EnvelopeView v;
  v.header.kind = static_cast<MessageKind>(f.kind);
  v.header.flags = f.flags;
  v.header.batch_id = f.batch_id;
  v.header.session_id = f.session_id;
  v.header.payload_size = f.payload_size;
  v.payload = message.subspan(kHeaderSize, static_cast<std::size_t>(f.payload_size));
  return v;
}

}  // namespace cohort::wire
