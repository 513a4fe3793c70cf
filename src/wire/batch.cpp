#include <cohort/wire/batch.hpp>

#include "framing.hpp"

#include <cohort/core/error.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace cohort::wire {
namespace {

using detail::put_bytes;
using detail::put_le;
using detail::seal;
using detail::store_le;

constexpr std::size_t kTaskPreamble = 16;     // u32 count, u32 name_count, u64 name_table_offset
constexpr std::size_t kTaskRecordHead = 24;   // u64 id, u32 attempt, u32 name_index, u64 arg_len
constexpr std::size_t kResultPreamble = 8;    // u32 count, u32 reserved
constexpr std::size_t kResultRecordHead = 32; // u64 id, u32 attempt, u16 status, u16 reserved, i64 start, i64 end
constexpr std::size_t kMinResultRecord = kResultRecordHead + 8;

std::vector<std::byte> fresh_buffer(std::size_t preamble, std::size_t reserve) {
  std::vector<std::byte> b;
  b.reserve(std::max(reserve, kHeaderSize + preamble));
  b.resize(kHeaderSize + preamble);
  return b;
}

void check_name(std::string_view name) {
  if (name.size() > kMaxTaskNameBytes) {
    throw Error(Errc::invalid_argument, "task name of " + std::to_string(name.size()) +
                                            " bytes is longer than the limit of " +
                                            std::to_string(kMaxTaskNameBytes));
  }
}

}  // namespace

// ---- TaskBatchWriter -------------------------------------------------------

TaskBatchWriter::TaskBatchWriter() : buf_(fresh_buffer(kTaskPreamble, 0)) {}

std::uint32_t TaskBatchWriter::name_index(std::string_view name) {
  // Batches hold few distinct names: remember the last one, else scan.
  if (last_name_ < names_.size() && names_[last_name_] == name) return last_name_;
  for (std::uint32_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return last_name_ = i;
  }
  check_name(name);
  names_.emplace_back(name);
  return last_name_ = static_cast<std::uint32_t>(names_.size() - 1);
}

std::vector<std::byte>& TaskBatchWriter::begin_task(std::uint64_t id, std::uint32_t attempt,
                                                    std::string_view name) {
  if (open_ != 0) throw InvalidStateError("TaskBatchWriter::begin_task: the previous task is not ended");
  const std::uint32_t index = name_index(name);
  open_ = buf_.size();
  buf_.resize(open_ + kTaskRecordHead);
  std::byte* at = buf_.data() + open_;
  store_le(at, id);
  store_le(at + 8, attempt);
  store_le(at + 12, index);
  store_le(at + 16, std::uint64_t{0});
  return buf_;
}

void TaskBatchWriter::end_task() {
  if (open_ == 0) throw InvalidStateError("TaskBatchWriter::end_task: no task was begun");
  const std::uint64_t len = buf_.size() - open_ - kTaskRecordHead;
  store_le(buf_.data() + open_ + 16, len);
  open_ = 0;
  ++count_;
}

void TaskBatchWriter::abort_task() noexcept {
  if (open_ == 0) return;
  buf_.resize(open_);
  open_ = 0;
}

void TaskBatchWriter::add(std::uint64_t id, std::uint32_t attempt, std::string_view name,
                          std::span<const std::byte> args) {
  begin_task(id, attempt, name);
  put_bytes(buf_, args.data(), args.size());
  end_task();
}

std::size_t TaskBatchWriter::byte_size() const noexcept {
  std::size_t n = buf_.size();
  for (const auto& s : names_) n += 2 + s.size();
  return n;
}

std::vector<std::byte> TaskBatchWriter::finish(std::uint64_t batch_id, std::uint64_t session_id) {
  if (open_ != 0) throw InvalidStateError("TaskBatchWriter::finish: a task is begun but not ended");
  const std::uint64_t table = buf_.size() - kHeaderSize;
  for (const auto& s : names_) {
    put_le(buf_, static_cast<std::uint16_t>(s.size()));
    put_bytes(buf_, s.data(), s.size());
  }
  std::byte* pre = buf_.data() + kHeaderSize;
  store_le(pre, static_cast<std::uint32_t>(count_));
  store_le(pre + 4, static_cast<std::uint32_t>(names_.size()));
  store_le(pre + 8, table);
  seal(buf_, MessageKind::task_batch, batch_id, session_id);
  std::vector<std::byte> out = std::exchange(buf_, fresh_buffer(kTaskPreamble, buf_.size()));
  names_.clear();
  count_ = 0;
  last_name_ = 0;
  return out;
}

void TaskBatchWriter::clear() {
  buf_.resize(kHeaderSize + kTaskPreamble);
  names_.clear();
  count_ = 0;
  open_ = 0;
  last_name_ = 0;
}

// ---- TaskBatch -------------------------------------------------------------

TaskBatch TaskBatch::decode(std::vector<std::byte> message, int source_rank, const DecodeLimits& limits) {
  TaskBatch b;
  b.bytes_ = std::move(message);
  b.source_rank_ = source_rank;
  const EnvelopeView v = detail::open_message(b.bytes_, MessageKind::task_batch, source_rank, limits);
  b.header_ = v.header;
  detail::Reader r(v.payload, source_rank, "task batch", v.header.batch_id);

  const auto count = r.read<std::uint32_t>("task count");
  const auto name_count = r.read<std::uint32_t>("name count");
  const auto table = r.read<std::uint64_t>("name table offset");
  detail::check_count(r, count, "tasks", limits);
  if (table < kTaskPreamble || table > v.payload.size()) {
    r.fail("name table offset " + std::to_string(table) + " lies outside the payload of " +
           std::to_string(v.payload.size()) + " bytes");
  }
  const std::size_t records_bytes = static_cast<std::size_t>(table) - kTaskPreamble;
  detail::check_fits(r, count, kTaskRecordHead, records_bytes, "tasks");
  const std::size_t table_bytes = v.payload.size() - static_cast<std::size_t>(table);
  if (std::uint64_t{name_count} * 2 > table_bytes || (count == 0 && name_count != 0) ||
      (count != 0 && name_count == 0)) {
    r.fail(std::to_string(name_count) + " names cannot fit in a name table of " + std::to_string(table_bytes) +
           " bytes for " + std::to_string(count) + " tasks");
  }

  std::vector<std::string_view> names;
  names.reserve(name_count);
  detail::Reader nr = r.part(v.payload.subspan(static_cast<std::size_t>(table)));
  for (std::uint32_t i = 0; i < name_count; ++i) {
    const auto len = nr.read<std::uint16_t>("name length");
    if (len > limits.max_task_name_bytes) {
      nr.fail("task name " + std::to_string(i) + " of " + std::to_string(len) + " bytes is over the cap of " +
              std::to_string(limits.max_task_name_bytes));
    }
    names.push_back(nr.text(len, "task name"));
  }
  nr.expect_end("the name table");

  b.tasks_.reserve(count);
  detail::Reader tr = r.part(v.payload.subspan(kTaskPreamble, records_bytes));
  for (std::uint32_t i = 0; i < count; ++i) {
    TaskRecord t;
    t.id = tr.read<std::uint64_t>("task id");
    t.attempt = tr.read<std::uint32_t>("attempt");
    const auto index = tr.read<std::uint32_t>("name index");
    if (index >= name_count) {
      tr.fail("task " + std::to_string(t.id) + " names entry " + std::to_string(index) + " of a table of " +
              std::to_string(name_count));
    }
    t.name = names[index];
    const auto len = tr.read<std::uint64_t>("argument length");
    if (len > tr.remaining()) {
      tr.fail("arguments of task " + std::to_string(t.id) + " claim " + std::to_string(len) + " bytes but only " +
              std::to_string(tr.remaining()) + " are left");
    }
    t.args = tr.bytes(len, "arguments");
    b.tasks_.push_back(t);
  }
  tr.expect_end("the last task");
  return b;
}

// ---- ResultBatchWriter -----------------------------------------------------

ResultBatchWriter::ResultBatchWriter() : buf_(fresh_buffer(kResultPreamble, 0)) {}

std::vector<std::byte>& ResultBatchWriter::begin_value(std::uint64_t id, std::uint32_t attempt) {
  if (open_ != 0) throw InvalidStateError("ResultBatchWriter::begin_value: the previous value is not ended");
  open_ = buf_.size();
  buf_.resize(open_ + kMinResultRecord);
  std::byte* at = buf_.data() + open_;
  store_le(at, id);
  store_le(at + 8, attempt);
  store_le(at + 12, std::uint16_t{0});
  store_le(at + 14, std::uint16_t{0});
  store_le(at + 16, std::int64_t{0});
  store_le(at + 24, std::int64_t{0});
  store_le(at + 32, std::uint64_t{0});
  return buf_;
}

void ResultBatchWriter::end_value(std::int64_t start_ns, std::int64_t end_ns) {
  if (open_ == 0) throw InvalidStateError("ResultBatchWriter::end_value: no value was begun");
  std::byte* at = buf_.data() + open_;
  store_le(at + 16, start_ns);
  store_le(at + 24, end_ns);
  store_le(at + 32, static_cast<std::uint64_t>(buf_.size() - open_ - kMinResultRecord));
  open_ = 0;
  ++count_;
}

void ResultBatchWriter::abort_value() noexcept {
  if (open_ == 0) return;
  buf_.resize(open_);
  open_ = 0;
}

void ResultBatchWriter::add_value(std::uint64_t id, std::uint32_t attempt, std::span<const std::byte> value,
                                  std::int64_t start_ns, std::int64_t end_ns) {
  begin_value(id, attempt);
  put_bytes(buf_, value.data(), value.size());
  end_value(start_ns, end_ns);
}

void ResultBatchWriter::add_error(std::uint64_t id, std::uint32_t attempt, Errc status, std::string_view type,
                                  std::string_view message, std::int64_t start_ns, std::int64_t end_ns) {
  if (open_ != 0) throw InvalidStateError("ResultBatchWriter::add_error: a value is begun but not ended");
  if (status == Errc::ok) throw Error(Errc::invalid_argument, "ResultBatchWriter::add_error with status ok");
  put_le(buf_, id);
  put_le(buf_, attempt);
  put_le(buf_, static_cast<std::uint16_t>(status));
  put_le(buf_, std::uint16_t{0});
  put_le(buf_, start_ns);
  put_le(buf_, end_ns);
  detail::put_error_text(buf_, type, message);
  ++count_;
}

void ResultBatchWriter::append(const ResultBatchWriter& other) {
  if (open_ != 0 || other.open_ != 0) throw InvalidStateError("ResultBatchWriter::append with a value begun");
  const std::size_t start = kHeaderSize + kResultPreamble;
  buf_.insert(buf_.end(), other.buf_.begin() + static_cast<std::ptrdiff_t>(start), other.buf_.end());
  count_ += other.count_;
}

std::vector<std::byte> ResultBatchWriter::finish(std::uint64_t batch_id, std::uint64_t session_id) {
  if (open_ != 0) throw InvalidStateError("ResultBatchWriter::finish: a value is begun but not ended");
  store_le(buf_.data() + kHeaderSize, static_cast<std::uint32_t>(count_));
  store_le(buf_.data() + kHeaderSize + 4, std::uint32_t{0});
  seal(buf_, MessageKind::result_batch, batch_id, session_id);
  std::vector<std::byte> out = std::exchange(buf_, fresh_buffer(kResultPreamble, buf_.size()));
  count_ = 0;
  return out;
}

void ResultBatchWriter::clear() {
  buf_.resize(kHeaderSize + kResultPreamble);
  count_ = 0;
  open_ = 0;
}

// ---- ResultBatch -----------------------------------------------------------

ResultBatch ResultBatch::decode(std::vector<std::byte> message, int source_rank, const DecodeLimits& limits) {
  ResultBatch b;
  b.bytes_ = std::move(message);
  b.source_rank_ = source_rank;
  const EnvelopeView v = detail::open_message(b.bytes_, MessageKind::result_batch, source_rank, limits);
  b.header_ = v.header;
  detail::Reader r(v.payload, source_rank, "result batch", v.header.batch_id);

  const auto count = r.read<std::uint32_t>("result count");
  if (r.read<std::uint32_t>("reserved") != 0) r.fail("reserved preamble field is not 0");
  detail::check_count(r, count, "results", limits);
  detail::check_fits(r, count, kMinResultRecord, r.remaining(), "results");
  b.results_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ResultRecord x;
    x.id = r.read<std::uint64_t>("task id");
    x.attempt = r.read<std::uint32_t>("attempt");
    x.status = static_cast<Errc>(r.read<std::uint16_t>("status"));
    if (r.read<std::uint16_t>("reserved") != 0) r.fail("result of task " + std::to_string(x.id) + ": reserved field is not 0");
    x.start_ns = r.read<std::int64_t>("start time");
    x.end_ns = r.read<std::int64_t>("end time");
    if (x.ok()) {
      const auto len = r.read<std::uint64_t>("value length");
      if (len > r.remaining()) {
        r.fail("value of task " + std::to_string(x.id) + " claims " + std::to_string(len) + " bytes but only " +
               std::to_string(r.remaining()) + " are left");
      }
      x.value = r.bytes(len, "value");
    } else {
      const detail::ErrorText e = detail::read_error_text(r, x.id, limits);
      x.error_type = e.type;
      x.error_message = e.message;
    }
    b.results_.push_back(x);
  }
  r.expect_end("the last result");
  return b;
}

std::exception_ptr to_exception(const ResultRecord& rec, int rank, std::string_view host) {
  const std::string message(rec.error_message);
  switch (rec.status) {
    case Errc::ok: return nullptr;
    case Errc::remote_error:
    case Errc::decode_error:
      return std::make_exception_ptr(
          RemoteError(rec.id, rank, std::string(host), std::string(rec.error_type), message));
    case Errc::cancelled: return std::make_exception_ptr(CancelledError(message));
    case Errc::timeout: return std::make_exception_ptr(TimeoutError(message));
    default: return std::make_exception_ptr(Error(rec.status, message));
  }
}

}  // namespace cohort::wire
