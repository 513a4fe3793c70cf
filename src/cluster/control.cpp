#include "control.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include <cstring>
#include <string>

namespace cohort::cluster::detail {
namespace {

constexpr std::size_t kFixed = 28;
constexpr std::uint32_t kMaxText = kMaxControlText;

template <class T>
void put(std::vector<std::byte>& out, T v) {
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
template <class T>
T get(std::span<const std::byte> in, std::size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof v);
  return v;
}

}  // namespace

std::vector<std::byte> encode_control(const Control& c) {
  std::vector<std::byte> payload;
  payload.reserve(kFixed + c.text.size());
  const std::uint32_t len = static_cast<std::uint32_t>(std::min<std::size_t>(c.text.size(), kMaxText));
  put(payload, static_cast<std::uint8_t>(c.op));
  put(payload, std::uint8_t{0});
  put(payload, std::uint16_t{0});
  put(payload, c.threads);
  put(payload, c.batch_id);
  put(payload, c.count);
  put(payload, len);
  const auto* t = reinterpret_cast<const std::byte*>(c.text.data());
  payload.insert(payload.end(), t, t + len);
  wire::EnvelopeHeader h;
  h.kind = wire::MessageKind::control;
  return wire::encode_envelope(h, payload);
}

Control decode_control(std::span<const std::byte> p, int source_rank) {
  if (p.size() < kFixed)
    throw DecodeError("control message of " + std::to_string(p.size()) + " bytes, at least " +
                          std::to_string(kFixed) + " expected",
                      source_rank);
  Control c;
  const auto op = get<std::uint8_t>(p, 0);
  if (op < 1 || op > 7) throw DecodeError("control message with unknown operation " + std::to_string(op), source_rank);
  if (get<std::uint8_t>(p, 1) != 0 || get<std::uint16_t>(p, 2) != 0)
    throw DecodeError("control message with non-zero reserved bytes", source_rank);
  c.op = static_cast<ControlOp>(op);
  c.threads = get<std::uint32_t>(p, 4);
  c.batch_id = get<std::uint64_t>(p, 8);
  c.count = get<std::uint64_t>(p, 16);
  const auto len = get<std::uint32_t>(p, 24);
  if (len > kMaxText || len != p.size() - kFixed)
    throw DecodeError("control message text of " + std::to_string(len) + " bytes in a payload of " +
                          std::to_string(p.size()) + " bytes",
                      source_rank);
  c.text.assign(reinterpret_cast<const char*>(p.data() + kFixed), len);
  return c;
}

}  // namespace cohort::cluster::detail
