// Fuzz target: cohort::wire::TaskBatch::decode, then the typed decoders on the
// argument bytes of each task (the argument lists Cohort's own tasks use).
//
// Input: one mode byte, then bytes:
//   bit 0  the bytes are a payload: wrap them in a valid task_batch envelope
//          (else they are the whole message, envelope included)
//   bit 1  decode with tight limits (4 tasks, 8-byte names)
// Invariants: decoding throws cohort::DecodeError or yields records whose names
// and arguments lie inside the message and within the limits; writing the
// records again with TaskBatchWriter and decoding gives the same records;
// typed decoding of any record's arguments throws nothing but DecodeError.

#include "wire_harness.hpp"

#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace wire = cohort::wire;
using cohort::fuzz::inside;

namespace {

template <class... A>
void try_args(std::span<const std::byte> args, std::uint64_t id) {
  try {
    (void)wire::decode_args<A...>(args, 2, id);
  } catch (const cohort::DecodeError& e) {
    COHORT_FUZZ_CHECK(e.source_rank() == 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::vector<std::byte> message = cohort::fuzz::message_of(cohort::fuzz::as_bytes(data + 1, size - 1), mode & 1,
                                                             wire::MessageKind::task_batch, 11, 5);
  wire::DecodeLimits limits;
  if (mode & 2) {
    limits.max_tasks_per_batch = 4;
    limits.max_task_name_bytes = 8;
  }

  const std::span<const std::byte> bytes = message;  // the batch takes the buffer over
  const auto batch =
      cohort::fuzz::decoded_or_refused(2, [&] { return wire::TaskBatch::decode(std::move(message), 2, limits); });
  if (!batch) return 0;
  cohort::fuzz::check_batch_header(*batch, wire::MessageKind::task_batch, bytes.size(), limits);

  wire::TaskBatchWriter writer;
  for (const wire::TaskRecord& t : batch->tasks()) {
    COHORT_FUZZ_CHECK(t.name.size() <= limits.max_task_name_bytes);
    COHORT_FUZZ_CHECK(inside(t.name.data(), t.name.size(), bytes));
    COHORT_FUZZ_CHECK(inside(t.args.data(), t.args.size(), bytes));
    writer.add(t.id, t.attempt, t.name, t.args);

    try_args<std::uint64_t>(t.args, t.id);
    try_args<std::string>(t.args, t.id);
    try_args<std::uint64_t, std::string, std::string>(t.args, t.id);
    try_args<std::uint64_t, std::string, std::uint32_t>(t.args, t.id);
    try_args<int, std::string, std::vector<double>>(t.args, t.id);
  }

  const wire::TaskBatch again =
      wire::TaskBatch::decode(writer.finish(batch->header().batch_id, batch->header().session_id), 2, limits);
  COHORT_FUZZ_CHECK(again.header().batch_id == batch->header().batch_id);
  COHORT_FUZZ_CHECK(again.header().session_id == batch->header().session_id);
  COHORT_FUZZ_CHECK(again.size() == batch->size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    const wire::TaskRecord& a = (*batch)[i];
    const wire::TaskRecord& b = again[i];
    COHORT_FUZZ_CHECK(a.id == b.id && a.attempt == b.attempt && a.name == b.name);
    COHORT_FUZZ_CHECK(std::equal(a.args.begin(), a.args.end(), b.args.begin(), b.args.end()));
  }
  return 0;
}
