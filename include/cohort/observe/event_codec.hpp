#pragma once
/// Events a worker records and sends to rank 0 (which writes the trace), and
/// the clock-offset estimate that puts them on rank 0's timeline.
///
/// Thread safety: EventBuffer is used by one thread at a time (the worker's
/// loop thread); the functions are pure. ClockSync: one thread at a time.
///
/// - Wire form, little-endian: u32 magic "COEV", u16 version, u16 count, then
///   count x 80-byte records (kind, thread, attempt, peer, times, ids, counts).
///   Names and texts are not carried: rank 0 knows each task's name.
/// - encode_chunks() cuts a buffer into messages of at most `max_bytes` each.
/// - decode_events() checks magic, version and length before it allocates and
///   throws cohort::DecodeError naming the sender otherwise.

#include <cohort/observe/event.hpp>
#include <cohort/observe/export.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cohort::observe {

/// Fixed size of one encoded event.
inline constexpr std::size_t kEncodedEventBytes = 80;

/// Events kept until they are sent (names and texts are dropped).
class COHORT_OBSERVE_EXPORT EventBuffer {
 public:
  void push(const Event& e) { events_.push_back(strip(e)); }
  void append(std::vector<Event>&& more);
  std::size_t size() const noexcept { return events_.size(); }
  bool empty() const noexcept { return events_.empty(); }
  const std::vector<Event>& events() const noexcept { return events_; }
  /// The events as messages of at most `max_bytes` (>= one event) each; empties the buffer.
  std::vector<std::string> encode_chunks(std::size_t max_bytes);

  static Event strip(Event e) noexcept {
    e.name = {};
    e.text = {};
    return e;
  }

 private:
  std::vector<Event> events_;
};

/// One message: at most 65535 events.
COHORT_OBSERVE_EXPORT std::string encode_events(std::span<const Event> events);
/// @throws cohort::DecodeError naming `source_rank`
COHORT_OBSERVE_EXPORT std::vector<Event> decode_events(std::span<const std::byte> bytes, int source_rank);

/// NTP-style offset between two steady clocks from ping-pongs: rank 0 sends at
/// t0 (its clock), the worker answers with its clock t1, rank 0 receives at t2.
/// The sample with the shortest round trip wins: offset = t1 - (t0 + t2) / 2,
/// wrong by at most rtt / 2.
class COHORT_OBSERVE_EXPORT ClockSync {
 public:
  void add(std::int64_t t0, std::int64_t t1, std::int64_t t2) noexcept;
  bool empty() const noexcept { return samples_ == 0; }
  int samples() const noexcept { return samples_; }
  /// The worker's clock minus rank 0's (ns); 0 without samples.
  std::int64_t offset() const noexcept { return offset_; }
  /// Round trip of the best sample (ns); -1 without samples.
  std::int64_t rtt() const noexcept { return rtt_; }

 private:
  int samples_ = 0;
  std::int64_t offset_ = 0;
  std::int64_t rtt_ = -1;
};

}  // namespace cohort::observe
