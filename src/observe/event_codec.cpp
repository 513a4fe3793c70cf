#include <cohort/observe/event_codec.hpp>

#include <cohort/core/error.hpp>

#include <algorithm>
#include <cstring>

namespace cohort::observe {
namespace {

constexpr std::uint32_t kMagic = 0x56454f43;  // "COEV" little-endian
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kHeader = 8;
constexpr std::size_t kMaxPerMessage = 0xffff;

template <class T>
void put(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}
template <class T>
T get(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

void EventBuffer::append(std::vector<Event>&& more) {
  if (events_.empty()) {
    events_ = std::move(more);
    for (Event& e : events_) e = strip(e);
    return;
  }
  events_.reserve(events_.size() + more.size());
  for (const Event& e : more) events_.push_back(strip(e));
}

std::vector<std::string> EventBuffer::encode_chunks(std::size_t max_bytes) {
  const std::size_t per = std::clamp<std::size_t>((max_bytes - std::min(max_bytes, kHeader)) / kEncodedEventBytes, 1,
                                                  kMaxPerMessage);
  std::vector<std::string> out;
  const std::span<const Event> all(events_);
  for (std::size_t i = 0; i < all.size(); i += per) out.push_back(encode_events(all.subspan(i, std::min(per, all.size() - i))));
  events_.clear();
  return out;
}

std::string encode_events(std::span<const Event> events) {
  if (events.size() > kMaxPerMessage)
    throw Error(Errc::invalid_argument,
                "encode_events: " + std::to_string(events.size()) + " events in one message, at most 65535");
  std::string out;
  out.reserve(kHeader + events.size() * kEncodedEventBytes);
  put(out, kMagic);
  put(out, kVersion);
  put(out, static_cast<std::uint16_t>(events.size()));
  for (const Event& e : events) {
    put(out, static_cast<std::uint8_t>(e.kind));
    put(out, std::uint8_t{0});
    put(out, std::uint16_t{0});
    put(out, e.thread);
    put(out, e.attempt);
    put(out, e.peer);
    put(out, e.time_ns);
    put(out, e.start_ns);
    put(out, e.end_ns);
    put(out, e.value);
    put(out, e.id);
    put(out, e.batch);
    put(out, e.count);
    put(out, e.bytes);
  }
  return out;
}

std::vector<Event> decode_events(std::span<const std::byte> in, int source_rank) {
  if (in.size() < kHeader)
    throw DecodeError("an event message of " + std::to_string(in.size()) + " bytes (at least 8 expected)", source_rank);
  if (get<std::uint32_t>(in.data()) != kMagic) throw DecodeError("an event message with a bad magic number", source_rank);
  if (const auto v = get<std::uint16_t>(in.data() + 4); v != kVersion)
    throw DecodeError("an event message of format version " + std::to_string(v) + " (this build reads " +
                          std::to_string(kVersion) + ")",
                      source_rank);
  const std::size_t n = get<std::uint16_t>(in.data() + 6);
  if (in.size() != kHeader + n * kEncodedEventBytes)
    throw DecodeError("an event message announcing " + std::to_string(n) + " events in " + std::to_string(in.size()) +
                          " bytes (" + std::to_string(kHeader + n * kEncodedEventBytes) + " expected)",
                      source_rank);
  std::vector<Event> out(n);
  const std::byte* p = in.data() + kHeader;
  for (std::size_t i = 0; i < n; ++i, p += kEncodedEventBytes) {
    const auto kind = get<std::uint8_t>(p);
    if (kind < 1 || kind >= kEventKinds)
      throw DecodeError("an event message with unknown event kind " + std::to_string(kind) + " (event " +
                            std::to_string(i) + ")",
                        source_rank);
    Event& e = out[i];
    e.kind = static_cast<EventKind>(kind);
    e.rank = source_rank;
    e.thread = get<std::int32_t>(p + 4);
    e.attempt = get<std::uint32_t>(p + 8);
    e.peer = get<std::int32_t>(p + 12);
    e.time_ns = get<std::int64_t>(p + 16);
    e.start_ns = get<std::int64_t>(p + 24);
    e.end_ns = get<std::int64_t>(p + 32);
    e.value = get<std::int64_t>(p + 40);
    e.id = get<std::uint64_t>(p + 48);
    e.batch = get<std::uint64_t>(p + 56);
    e.count = get<std::uint64_t>(p + 64);
    e.bytes = get<std::uint64_t>(p + 72);
  }
  return out;
}

void ClockSync::add(std::int64_t t0, std::int64_t t1, std::int64_t t2) noexcept {
  if (t2 < t0) return;  // not a round trip
  const std::int64_t rtt = t2 - t0;
  ++samples_;
  if (rtt_ >= 0 && rtt >= rtt_) return;
  rtt_ = rtt;
  offset_ = t1 - (t0 + rtt / 2);
}

}  // namespace cohort::observe
