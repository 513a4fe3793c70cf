#pragma once
// Control messages between rank 0 and the workers (envelope kind `control`).
//
// Payload, little-endian, 28 bytes + text:
//   u8 op, u8[3] zero, u32 threads, u64 batch_id, u64 count, u32 text_len, text
//   hello        worker -> 0   threads = pool size, text = host name
//   stop         0 -> worker   drain, acknowledge, end
//   stop_ack     worker -> 0   count = tasks this worker ran
//   error_report worker -> 0   text = what went wrong (e.g. a DecodeError),
//                              batch_id = the task batch it concerns (or kNoBatch)
//   ping         0 -> worker   count = rank 0's clock (steady ns) when sent
//   pong         worker -> 0   count = the ping's count, batch_id = the worker's clock
//   events       worker -> 0   text = observe::encode_events() of what it recorded
//
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cohort::cluster::detail {

enum class ControlOp : std::uint8_t { hello = 1, stop = 2, stop_ack = 3, error_report = 4, ping = 5, pong = 6, events = 7 };

/// Longest text a control message carries.
inline constexpr std::size_t kMaxControlText = 64 * 1024;

inline constexpr std::uint64_t kNoBatch = ~std::uint64_t{0};

struct Control {
  ControlOp op = ControlOp::stop;
  std::uint32_t threads = 0;
  std::uint64_t batch_id = kNoBatch;
  std::uint64_t count = 0;
  std::string text;
};

/// The whole message: envelope + payload.
std::vector<std::byte> encode_control(const Control& c);
/// Decodes the payload of a control envelope. @throws DecodeError naming `source_rank`
Control decode_control(std::span<const std::byte> payload, int source_rank);

}  // namespace cohort::cluster::detail
