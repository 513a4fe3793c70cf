// Fuzz target: the columnar arrays of array_batch.hpp, TaskArray::decode and
// ResultArray::decode, and the worker's answer to a decoded task array
// (ArrayResultWriter built from it).
//
// Input: one mode byte, then bytes:
//   bit 0  a result array (else a task array)
//   bit 1  the bytes are a payload: wrap them in a valid envelope of that kind
//   bit 2  decode with tight limits (16 tasks, 8-byte names, 16-byte error texts, 4 KiB payloads)
// Invariants: decoding throws cohort::DecodeError or yields views inside the
// message that agree with the counts and limits; encoding what was decoded
// (encode_task_array / ArrayResultWriter) decodes to the same fields; a result
// array the writer makes for a decoded task array decodes with the errors it was given.

#include "wire_harness.hpp"

#include <cohort/wire/array_batch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace wire = cohort::wire;
using cohort::fuzz::inside;

namespace {

constexpr int kRank = 8;

/// Writer and decoder agree: `a` decoded from what the writer made of `errors`/`values`.
void check_result(const wire::ResultArray& a, const wire::TaskArray& t, const std::vector<wire::ArrayError>& errors,
                  std::span<const std::byte> values, std::int64_t start, std::int64_t end) {
  COHORT_FUZZ_CHECK(a.batch_id == t.batch_id && a.task_batch_id == t.batch_id);
  COHORT_FUZZ_CHECK(a.first_id == t.first_id && a.count == t.count && a.attempt == t.attempt);
  COHORT_FUZZ_CHECK(a.result_size == t.result_size && a.start_ns == start && a.end_ns == end);
  COHORT_FUZZ_CHECK(a.errors.size() == errors.size());
  std::vector<bool> failed(t.count);
  for (std::size_t k = 0; k < errors.size(); ++k) {
    COHORT_FUZZ_CHECK(a.errors[k].index == errors[k].index && a.errors[k].status == errors[k].status);
    COHORT_FUZZ_CHECK(a.errors[k].type == errors[k].type && a.errors[k].message == errors[k].message);
    failed[errors[k].index] = true;
  }
  COHORT_FUZZ_CHECK(a.values.size() == values.size());
  for (std::uint32_t i = 0; i < t.count; ++i) {
    const auto got = a.value_of(i);
    const auto want = values.subspan(std::size_t{i} * t.result_size, t.result_size);
    if (failed[i]) {
      COHORT_FUZZ_CHECK(std::all_of(got.begin(), got.end(), [](std::byte b) { return b == std::byte{0}; }));
    } else {
      COHORT_FUZZ_CHECK(std::equal(got.begin(), got.end(), want.begin(), want.end()));
    }
  }
}

void task_array(std::span<const std::byte> message, const wire::DecodeLimits& limits, std::uint8_t seed) {
  const auto decoded =
      cohort::fuzz::decoded_or_refused(kRank, [&] { return wire::TaskArray::decode(message, kRank, limits); });
  if (!decoded) return;
  const wire::TaskArray& t = *decoded;
  COHORT_FUZZ_CHECK(t.count > 0 && t.count <= limits.max_tasks_per_batch);
  COHORT_FUZZ_CHECK(!t.name.empty() && t.name.size() <= limits.max_task_name_bytes);
  COHORT_FUZZ_CHECK(t.args.size() == std::uint64_t{t.count} * t.arg_size);
  COHORT_FUZZ_CHECK(inside(t.name.data(), t.name.size(), message) && inside(t.args.data(), t.args.size(), message));
  COHORT_FUZZ_CHECK(std::uint64_t{t.count} * t.result_size <= limits.max_payload_bytes);
  COHORT_FUZZ_CHECK(t.id_of(t.count - 1) >= t.first_id);  // no wrap-around
  COHORT_FUZZ_CHECK(t.args_of(t.count - 1).size() == t.arg_size);

  const auto again_bytes = wire::encode_task_array(t.batch_id, t.first_id, t.attempt, t.name, t.count, t.arg_size,
                                                   t.result_size, t.args);
  const wire::TaskArray again = wire::TaskArray::decode(again_bytes, kRank, limits);
  COHORT_FUZZ_CHECK(again.batch_id == t.batch_id && again.first_id == t.first_id && again.count == t.count);
  COHORT_FUZZ_CHECK(again.attempt == t.attempt && again.arg_size == t.arg_size && again.result_size == t.result_size);
  COHORT_FUZZ_CHECK(again.name == t.name && std::equal(again.args.begin(), again.args.end(), t.args.begin(), t.args.end()));

  // The worker's answer (skipped for answers over 64 KiB: slow, not different).
  if (std::uint64_t{t.count} * t.result_size > (64u << 10)) return;
  wire::ArrayResultWriter w(t);
  COHORT_FUZZ_CHECK(w.count() == t.count && w.result_size() == t.result_size);
  auto values = w.values();
  COHORT_FUZZ_CHECK(values.size() == std::size_t{t.count} * t.result_size);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::byte>(i * 7 + seed);
  const std::vector<std::byte> expect(values.begin(), values.end());
  std::vector<wire::ArrayError> errors;
  for (std::uint32_t i = seed % 3; i < t.count && errors.size() < 8; i += 1 + seed % 5) {
    errors.push_back({i, static_cast<cohort::Errc>(1 + (i + seed) % 12), "type" + std::to_string(i), "failed"});
  }
  for (auto it = errors.rbegin(); it != errors.rend(); ++it) w.add_error(*it);  // any order
  const auto reply = w.finish(seed, seed + 1);
  check_result(wire::ResultArray::decode(reply, kRank, {}), t, errors, expect, seed, seed + 1);
}

void result_array(std::span<const std::byte> message, const wire::DecodeLimits& limits) {
  const auto a =
      cohort::fuzz::decoded_or_refused(kRank, [&] { return wire::ResultArray::decode(message, kRank, limits); });
  if (!a) return;
  COHORT_FUZZ_CHECK(a->count > 0 && a->count <= limits.max_tasks_per_batch);
  COHORT_FUZZ_CHECK(a->values.size() == std::uint64_t{a->count} * a->result_size);
  COHORT_FUZZ_CHECK(inside(a->values.data(), a->values.size(), message));
  COHORT_FUZZ_CHECK(a->errors.size() <= a->count);
  std::vector<wire::ArrayError> errors;
  for (std::size_t k = 0; k < a->errors.size(); ++k) {
    const wire::ArrayErrorView& e = a->errors[k];
    COHORT_FUZZ_CHECK(e.index < a->count && (k == 0 || e.index > a->errors[k - 1].index));
    COHORT_FUZZ_CHECK(e.status != cohort::Errc::ok);
    COHORT_FUZZ_CHECK(e.type.size() <= limits.max_error_text_bytes && e.message.size() <= limits.max_error_text_bytes);
    COHORT_FUZZ_CHECK(inside(e.type.data(), e.type.size(), message) && inside(e.message.data(), e.message.size(), message));
    errors.push_back({e.index, e.status, std::string(e.type), std::string(e.message)});
  }

  // Written again from a task array of the same shape, it decodes the same.
  wire::TaskArray t;
  t.batch_id = a->task_batch_id;
  t.first_id = a->first_id;
  t.count = a->count;
  t.attempt = a->attempt;
  t.result_size = a->result_size;
  wire::ArrayResultWriter w(t);
  std::copy(a->values.begin(), a->values.end(), w.values().begin());
  for (const auto& e : errors) w.add_error(e);
  const auto again = w.finish(a->start_ns, a->end_ns);
  check_result(wire::ResultArray::decode(again, kRank, limits), t, errors, a->values, a->start_ns, a->end_ns);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::vector<std::byte> message =
      cohort::fuzz::message_of(cohort::fuzz::as_bytes(data + 1, size - 1), mode & 2,
                               (mode & 1) ? wire::MessageKind::result_array : wire::MessageKind::task_array, 21);
  wire::DecodeLimits limits;
  if (mode & 4) {
    limits.max_tasks_per_batch = 16;
    limits.max_task_name_bytes = 8;
    limits.max_error_text_bytes = 16;
    limits.max_payload_bytes = 4096;
  }
  if (mode & 1) {
    result_array(message, limits);
  } else {
    task_array(message, limits, static_cast<std::uint8_t>(mode >> 3));
  }
  return 0;
}
