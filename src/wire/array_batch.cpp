#include <cohort/wire/array_batch.hpp>

#include "framing.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace cohort::wire {
namespace {

using detail::put_bytes;
using detail::put_le;
using detail::seal;
using detail::store_le;

constexpr std::size_t kTaskArrayPreamble = 32;    // u64 first, u32 count, attempt, arg_size, result_size, u16 name_len, u16 0, u32 0
constexpr std::size_t kResultArrayPreamble = 48;  // u64 task batch, u64 first, u32 count, attempt, result_size, errors, i64 start, end
constexpr std::size_t kMinArrayError = 16;        // u32 index, u16 status, u16 0, u32 type_len, u32 message_len

}  // namespace

// ---- task arrays -------------------------------------------------------------

std::vector<std::byte> encode_task_array(std::uint64_t batch_id, std::uint64_t first_id, std::uint32_t attempt,
                                         std::string_view name, std::uint32_t count, std::uint32_t arg_size,
                                         std::uint32_t result_size, std::span<const std::byte> args,
                                         std::uint64_t session_id) {
  if (name.empty() || name.size() > DecodeLimits{}.max_task_name_bytes) {
    throw Error(Errc::invalid_argument, "encode_task_array: a task name of " + std::to_string(name.size()) +
                                            " bytes (1.." + std::to_string(DecodeLimits{}.max_task_name_bytes) +
                                            " allowed)");
  }
  if (count == 0) throw Error(Errc::invalid_argument, "encode_task_array: an empty task array");
  if (args.size() != std::uint64_t{count} * arg_size) {
    throw Error(Errc::invalid_argument, "encode_task_array: " + std::to_string(args.size()) +
                                            " argument bytes for " + std::to_string(count) + " tasks of " +
                                            std::to_string(arg_size) + " bytes");
  }
  std::vector<std::byte> buf;
  buf.reserve(kHeaderSize + kTaskArrayPreamble + name.size() + args.size());
  buf.resize(kHeaderSize + kTaskArrayPreamble);  // the argument bytes are copied, not zeroed first
  std::byte* p = buf.data() + kHeaderSize;
  store_le(p, first_id);
  store_le(p + 8, count);
  store_le(p + 12, attempt);
  store_le(p + 16, arg_size);
  store_le(p + 20, result_size);
  store_le(p + 24, static_cast<std::uint16_t>(name.size()));
  store_le(p + 26, std::uint16_t{0});
  store_le(p + 28, std::uint32_t{0});
  put_bytes(buf, name.data(), name.size());
  put_bytes(buf, args.data(), args.size());
  seal(buf, MessageKind::task_array, batch_id, session_id);
  return buf;
}

TaskArray TaskArray::decode(std::span<const std::byte> message, int source_rank, const DecodeLimits& limits) {
  const EnvelopeView v = detail::open_message(message, MessageKind::task_array, source_rank, limits);
  TaskArray t;
  t.batch_id = v.header.batch_id;
  t.source_rank = source_rank;
  detail::Reader r(v.payload, source_rank, "task array", v.header.batch_id);
  t.first_id = r.read<std::uint64_t>("first task id");
  t.count = r.read<std::uint32_t>("task count");
  t.attempt = r.read<std::uint32_t>("attempt");
  t.arg_size = r.read<std::uint32_t>("argument size");
  t.result_size = r.read<std::uint32_t>("result size");
  const auto name_len = r.read<std::uint16_t>("name length");
  if (r.read<std::uint16_t>("reserved") != 0 || r.read<std::uint32_t>("reserved") != 0) {
    r.fail("reserved preamble field is not 0");
  }
  if (t.count == 0) r.fail("an empty task array");
  detail::check_count(r, t.count, "tasks", limits);
  detail::check_id_range(r, t.first_id, t.count);
  // The worker allocates count x result_size bytes for the answer: bound it first.
  if (std::uint64_t{t.count} * t.result_size > limits.max_payload_bytes) {
    r.fail(std::to_string(t.count) + " results of " + std::to_string(t.result_size) +
           " bytes would be over the payload cap of " + std::to_string(limits.max_payload_bytes) + " bytes");
  }
  if (name_len == 0 || name_len > limits.max_task_name_bytes) {
    r.fail("a task name of " + std::to_string(name_len) + " bytes (1.." + std::to_string(limits.max_task_name_bytes) +
           " allowed)");
  }
  t.name = r.text(name_len, "task name");
  const std::uint64_t expect = std::uint64_t{t.count} * t.arg_size;
  if (expect != r.remaining()) {
    r.fail(std::to_string(t.count) + " tasks of " + std::to_string(t.arg_size) + " argument bytes need " +
           std::to_string(expect) + " bytes, the message has " + std::to_string(r.remaining()));
  }
  t.args = r.bytes(expect, "arguments");
  return t;
}

// ---- result arrays -------------------------------------------------------------

ArrayResultWriter::ArrayResultWriter(const TaskArray& tasks)
    : buf_(kHeaderSize + kResultArrayPreamble + std::size_t{tasks.count} * tasks.result_size),
      batch_id_(tasks.batch_id),
      count_(tasks.count),
      result_size_(tasks.result_size) {
  std::byte* p = buf_.data() + kHeaderSize;
  store_le(p, tasks.batch_id);
  store_le(p + 8, tasks.first_id);
  store_le(p + 16, tasks.count);
  store_le(p + 20, tasks.attempt);
  store_le(p + 24, tasks.result_size);
}

std::span<std::byte> ArrayResultWriter::values() noexcept {
  return {buf_.data() + kHeaderSize + kResultArrayPreamble, std::size_t{count_} * result_size_};
}

void ArrayResultWriter::add_error(ArrayError e) {
  if (e.index >= count_) {
    throw Error(Errc::invalid_argument, "ArrayResultWriter::add_error: index " + std::to_string(e.index) +
                                            " of an array of " + std::to_string(count_));
  }
  if (e.status == Errc::ok) throw Error(Errc::invalid_argument, "ArrayResultWriter::add_error with status ok");
  errors_.push_back(std::move(e));
}

std::vector<std::byte> ArrayResultWriter::finish(std::int64_t start_ns, std::int64_t end_ns,
                                                 std::uint64_t session_id) {
  if (finished_) throw InvalidStateError("ArrayResultWriter::finish called twice");
  finished_ = true;
  std::sort(errors_.begin(), errors_.end(), [](const ArrayError& a, const ArrayError& b) { return a.index < b.index; });
  for (std::size_t i = 1; i < errors_.size(); ++i) {
    if (errors_[i].index == errors_[i - 1].index) {
      throw InvalidStateError("ArrayResultWriter::finish: two errors for task index " +
                              std::to_string(errors_[i].index));
    }
  }
  std::byte* p = buf_.data() + kHeaderSize;
  store_le(p + 28, static_cast<std::uint32_t>(errors_.size()));
  store_le(p + 32, start_ns);
  store_le(p + 40, end_ns);
  for (const ArrayError& e : errors_) {
    if (result_size_ != 0) {
      std::memset(buf_.data() + kHeaderSize + kResultArrayPreamble + std::size_t{e.index} * result_size_, 0,
                  result_size_);
    }
    put_le(buf_, e.index);
    put_le(buf_, static_cast<std::uint16_t>(e.status));
    put_le(buf_, std::uint16_t{0});
    detail::put_error_text(buf_, e.type, e.message);
  }
  seal(buf_, MessageKind::result_array, batch_id_, session_id);
  errors_.clear();
  return std::move(buf_);
}

ResultArray ResultArray::decode(std::span<const std::byte> message, int source_rank, const DecodeLimits& limits) {
  const EnvelopeView v = detail::open_message(message, MessageKind::result_array, source_rank, limits);
  ResultArray a;
  a.batch_id = v.header.batch_id;
  a.source_rank = source_rank;
  detail::Reader r(v.payload, source_rank, "result array", v.header.batch_id);
  a.task_batch_id = r.read<std::uint64_t>("task batch id");
  a.first_id = r.read<std::uint64_t>("first task id");
  a.count = r.read<std::uint32_t>("result count");
  a.attempt = r.read<std::uint32_t>("attempt");
  a.result_size = r.read<std::uint32_t>("result size");
  const auto error_count = r.read<std::uint32_t>("error count");
  a.start_ns = r.read<std::int64_t>("start time");
  a.end_ns = r.read<std::int64_t>("end time");
  if (a.count == 0) r.fail("an empty result array");
  detail::check_count(r, a.count, "results", limits);
  detail::check_id_range(r, a.first_id, a.count);
  if (error_count > a.count) {
    r.fail(std::to_string(error_count) + " errors for " + std::to_string(a.count) + " results");
  }
  const std::uint64_t value_bytes = std::uint64_t{a.count} * a.result_size;
  if (value_bytes > r.remaining()) {
    r.fail(std::to_string(a.count) + " results of " + std::to_string(a.result_size) + " bytes need " +
           std::to_string(value_bytes) + " bytes but only " + std::to_string(r.remaining()) + " are left");
  }
  a.values = r.bytes(value_bytes, "values");
  detail::check_fits(r, error_count, kMinArrayError, r.remaining(), "errors");
  a.errors.reserve(error_count);
  for (std::uint32_t k = 0; k < error_count; ++k) {
    ArrayErrorView e;
    e.index = r.read<std::uint32_t>("error index");
    if (e.index >= a.count) {
      r.fail("error " + std::to_string(k) + " names result " + std::to_string(e.index) + " of " +
             std::to_string(a.count));
    }
    if (!a.errors.empty() && e.index <= a.errors.back().index) {
      r.fail("error indices are not strictly increasing (" + std::to_string(a.errors.back().index) + " then " +
             std::to_string(e.index) + ")");
    }
    const auto status = r.read<std::uint16_t>("status");
    if (status == 0) r.fail("error of task " + std::to_string(a.first_id + e.index) + " has status ok");
    e.status = static_cast<Errc>(status);
    if (r.read<std::uint16_t>("reserved") != 0) {
      r.fail("error of task " + std::to_string(a.first_id + e.index) + ": reserved field is not 0");
    }
    const detail::ErrorText text = detail::read_error_text(r, a.first_id + e.index, limits);
    e.type = text.type;
    e.message = text.message;
    a.errors.push_back(e);
  }
  r.expect_end("the last error");
  return a;
}

}  // namespace cohort::wire
