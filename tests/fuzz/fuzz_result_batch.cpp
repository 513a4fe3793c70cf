// Fuzz target: cohort::wire::ResultBatch::decode, then what a caller does with
// each record: to_exception() for errors, decode_result<T>() for values.
//
// Input: one mode byte, then bytes:
//   bit 0  the bytes are a payload: wrap them in a valid result_batch envelope
//   bit 1  decode with tight limits (4 results, 16-byte error texts)
// Invariants: decoding throws cohort::DecodeError or yields records that lie
// inside the message and within the limits; writing them again with
// ResultBatchWriter and decoding gives the same records; decode_result throws
// only cohort::Error (DecodeError, RemoteError, ...), to_exception never throws.

#include "fuzz_common.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace wire = cohort::wire;

namespace {

bool inside(const void* p, std::size_t n, const std::byte* lo, const std::byte* hi) {
  const auto* b = static_cast<const std::byte*>(p);
  return n == 0 || (b >= lo && b + n <= hi);
}

template <class R>
void try_result(const wire::ResultRecord& r) {
  try {
    if constexpr (std::is_void_v<R>) {
      wire::decode_result<void>(r, 4, "fuzzhost");
    } else {
      (void)wire::decode_result<R>(r, 4, "fuzzhost");
    }
    COHORT_FUZZ_CHECK(r.ok());
  } catch (const cohort::Error&) {
    // DecodeError, RemoteError, CancelledError, ...: what a caller expects.
    // (Texts from the wire may hold NUL bytes, so what() may read as empty.)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const auto body = cohort::fuzz::as_bytes(data + 1, size - 1);
  std::vector<std::byte> message;
  if (mode & 1) {
    wire::EnvelopeHeader h;
    h.kind = wire::MessageKind::result_batch;
    h.batch_id = 12;
    message = wire::encode_envelope(h, body);
  } else {
    message.assign(body.begin(), body.end());
  }
  wire::DecodeLimits limits;
  if (mode & 2) {
    limits.max_tasks_per_batch = 4;
    limits.max_error_text_bytes = 16;
  }

  const std::byte* lo = message.data();
  const std::byte* hi = message.data() + message.size();
  const std::size_t message_size = message.size();
  std::optional<wire::ResultBatch> batch;
  try {
    batch.emplace(wire::ResultBatch::decode(std::move(message), 4, limits));
  } catch (const cohort::DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == 4);
    return 0;
  }
  COHORT_FUZZ_CHECK(batch->header().kind == wire::MessageKind::result_batch);
  COHORT_FUZZ_CHECK(batch->header().payload_size + wire::kHeaderSize == message_size);
  COHORT_FUZZ_CHECK(batch->size() <= limits.max_tasks_per_batch);

  wire::ResultBatchWriter writer;
  for (const wire::ResultRecord& r : batch->results()) {
    COHORT_FUZZ_CHECK(inside(r.value.data(), r.value.size(), lo, hi));
    COHORT_FUZZ_CHECK(inside(r.error_type.data(), r.error_type.size(), lo, hi));
    COHORT_FUZZ_CHECK(inside(r.error_message.data(), r.error_message.size(), lo, hi));
    COHORT_FUZZ_CHECK(r.error_type.size() <= limits.max_error_text_bytes);
    COHORT_FUZZ_CHECK(r.error_message.size() <= limits.max_error_text_bytes);
    if (r.ok()) {
      COHORT_FUZZ_CHECK(r.error_type.empty() && r.error_message.empty());
      COHORT_FUZZ_CHECK(wire::to_exception(r, 4, "fuzzhost") == nullptr);
      writer.add_value(r.id, r.attempt, r.value, r.start_ns, r.end_ns);
    } else {
      COHORT_FUZZ_CHECK(r.value.empty());
      COHORT_FUZZ_CHECK(wire::to_exception(r, 4, "fuzzhost") != nullptr);
      writer.add_error(r.id, r.attempt, r.status, r.error_type, r.error_message, r.start_ns, r.end_ns);
    }
    try_result<void>(r);
    try_result<int>(r);
    try_result<std::string>(r);
    try_result<std::vector<int>>(r);
  }

  const wire::ResultBatch again = wire::ResultBatch::decode(writer.finish(batch->header().batch_id), 4, limits);
  COHORT_FUZZ_CHECK(again.size() == batch->size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    const wire::ResultRecord& a = (*batch)[i];
    const wire::ResultRecord& b = again[i];
    COHORT_FUZZ_CHECK(a.id == b.id && a.attempt == b.attempt && a.status == b.status);
    COHORT_FUZZ_CHECK(a.start_ns == b.start_ns && a.end_ns == b.end_ns);
    COHORT_FUZZ_CHECK(std::equal(a.value.begin(), a.value.end(), b.value.begin(), b.value.end()));
    COHORT_FUZZ_CHECK(a.error_type == b.error_type && a.error_message == b.error_message);
  }
  return 0;
}
