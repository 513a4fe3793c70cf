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

#include "wire_harness.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace wire = cohort::wire;
using cohort::fuzz::inside;

namespace {

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
  std::vector<std::byte> message = cohort::fuzz::message_of(cohort::fuzz::as_bytes(data + 1, size - 1), mode & 1,
                                                             wire::MessageKind::result_batch, 12);
  wire::DecodeLimits limits;
  if (mode & 2) {
    limits.max_tasks_per_batch = 4;
    limits.max_error_text_bytes = 16;
  }

  const std::span<const std::byte> bytes = message;  // the batch takes the buffer over
  const auto batch =
      cohort::fuzz::decoded_or_refused(4, [&] { return wire::ResultBatch::decode(std::move(message), 4, limits); });
  if (!batch) return 0;
  cohort::fuzz::check_batch_header(*batch, wire::MessageKind::result_batch, bytes.size(), limits);

  wire::ResultBatchWriter writer;
  for (const wire::ResultRecord& r : batch->results()) {
    COHORT_FUZZ_CHECK(inside(r.value.data(), r.value.size(), bytes));
    COHORT_FUZZ_CHECK(inside(r.error_type.data(), r.error_type.size(), bytes));
    COHORT_FUZZ_CHECK(inside(r.error_message.data(), r.error_message.size(), bytes));
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
