#pragma once
/// Task and result batches: many records per message. Light header (no Boost):
/// the framing is hand-written little-endian; the argument and result bytes of
/// each record are one self-contained Boost binary archive (see archive.hpp),
/// written by the typed helpers in codec.hpp / registry.hpp.
///
/// Thread safety: a writer is used by one thread at a time. A decoded batch is
/// immutable: its records may be read from any number of threads at once.
///
/// Payload layouts (little-endian), after the envelope header:
///
///   task batch:    u32 task_count, u32 name_count, u64 name_table_offset,
///                  task_count x { u64 id, u32 attempt, u32 name_index, u64 arg_len, arg bytes },
///                  name table at name_table_offset: name_count x { u16 len, bytes }
///   result batch:  u32 result_count, u32 reserved (0),
///                  result_count x { u64 id, u32 attempt, u16 status (cohort::Errc, 0 = ok),
///                                   u16 reserved (0), i64 start_ns, i64 end_ns,
///                                   ok: u64 value_len, value bytes
///                                   error: u32 type_len, type, u32 message_len, message }
///
/// Decoding checks every count, index and length against the bytes left and
/// the DecodeLimits before anything is allocated; any violation is a
/// cohort::DecodeError naming the record and the sender's rank.

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/export.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::wire {

/// Longest task name a writer accepts (the registry enforces the same).
inline constexpr std::size_t kMaxTaskNameBytes = 1024;

// ---- tasks ---------------------------------------------------------------

/// One task of a decoded TaskBatch. Views into the batch's bytes.
struct TaskRecord {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  std::string_view name;
  std::span<const std::byte> args;  ///< one archive: the arguments in order
};

/// Builds one task-batch message. Typical use: add() tasks (or the typed
/// add_task() of codec.hpp), then finish() and send the bytes.
class COHORT_WIRE_EXPORT TaskBatchWriter {
 public:
  TaskBatchWriter();

  /// Appends a task whose arguments are already encoded (codec.hpp encode_args()).
  /// @throws cohort::Error(invalid_argument) for a name longer than kMaxTaskNameBytes
  void add(std::uint64_t id, std::uint32_t attempt, std::string_view name, std::span<const std::byte> args);

  /// Starts a task whose argument bytes the caller appends to the returned
  /// buffer; end_task() closes it, abort_task() drops it (e.g. encoding threw).
  std::vector<std::byte>& begin_task(std::uint64_t id, std::uint32_t attempt, std::string_view name);
  void end_task();
  void abort_task() noexcept;

  std::size_t size() const noexcept { return count_; }  ///< tasks so far
  bool empty() const noexcept { return count_ == 0; }
  std::size_t byte_size() const noexcept;  ///< message size if finished now (approximately: + names)

  /// The whole message (envelope + payload). The writer is empty afterwards.
  std::vector<std::byte> finish(std::uint64_t batch_id, std::uint64_t session_id = 0);
  void clear();

 private:
  std::uint32_t name_index(std::string_view name);

  std::vector<std::byte> buf_;
  std::vector<std::string> names_;
  std::uint32_t last_name_ = 0;
  std::size_t count_ = 0;
  std::size_t open_ = 0;  ///< offset of the open task's record, 0 if none
};

/// A decoded task-batch message. Owns its bytes; records view into them.
/// Move-only (moving keeps the views valid).
class COHORT_WIRE_EXPORT TaskBatch {
 public:
  /// Decodes a whole message (envelope of kind task_batch + payload).
  /// @throws cohort::DecodeError naming what was wrong and `source_rank`
  static TaskBatch decode(std::vector<std::byte> message, int source_rank, const DecodeLimits& limits = {});

  TaskBatch(TaskBatch&&) noexcept = default;
  TaskBatch& operator=(TaskBatch&&) noexcept = default;
  TaskBatch(const TaskBatch&) = delete;
  TaskBatch& operator=(const TaskBatch&) = delete;

  const EnvelopeHeader& header() const noexcept { return header_; }
  int source_rank() const noexcept { return source_rank_; }
  std::size_t size() const noexcept { return tasks_.size(); }
  const TaskRecord& operator[](std::size_t i) const { return tasks_[i]; }
  std::span<const TaskRecord> tasks() const noexcept { return tasks_; }

 private:
  TaskBatch() = default;
  std::vector<std::byte> bytes_;
  EnvelopeHeader header_;
  std::vector<TaskRecord> tasks_;
  int source_rank_ = -1;
};

// ---- results -------------------------------------------------------------

/// One result of a decoded ResultBatch. Views into the batch's bytes.
struct ResultRecord {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  Errc status = Errc::ok;             ///< ok, or why it failed (remote_error: the task threw)
  std::int64_t start_ns = 0;          ///< when the task started / ended on the worker
  std::int64_t end_ns = 0;            ///< (steady clock of that worker; 0 if not measured)
  std::span<const std::byte> value;   ///< ok: one archive holding the result (empty for void)
  std::string_view error_type;        ///< error: exception type, demangled ("std::out_of_range")
  std::string_view error_message;     ///< error: what() or the reason

  bool ok() const noexcept { return status == Errc::ok; }
};

/// Builds one result-batch message. Error texts longer than
/// DecodeLimits{}.max_error_text_bytes are truncated (so they always decode).
class COHORT_WIRE_EXPORT ResultBatchWriter {
 public:
  ResultBatchWriter();

  void add_value(std::uint64_t id, std::uint32_t attempt, std::span<const std::byte> value,
                 std::int64_t start_ns = 0, std::int64_t end_ns = 0);
  void add_error(std::uint64_t id, std::uint32_t attempt, Errc status, std::string_view type,
                 std::string_view message, std::int64_t start_ns = 0, std::int64_t end_ns = 0);

  /// Starts an ok record whose value bytes the caller appends to the returned
  /// buffer; end_value() closes it, abort_value() drops it.
  std::vector<std::byte>& begin_value(std::uint64_t id, std::uint32_t attempt);
  void end_value(std::int64_t start_ns = 0, std::int64_t end_ns = 0);
  void abort_value() noexcept;

  /// Appends all records of `other` (e.g. a pool thread's local writer) with one copy.
  void append(const ResultBatchWriter& other);

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  std::size_t byte_size() const noexcept { return buf_.size(); }

  /// The whole message (envelope + payload). The writer is empty afterwards.
  std::vector<std::byte> finish(std::uint64_t batch_id, std::uint64_t session_id = 0);
  void clear();

 private:
  std::vector<std::byte> buf_;
  std::size_t count_ = 0;
  std::size_t open_ = 0;
};

/// A decoded result-batch message. Owns its bytes; records view into them. Move-only.
class COHORT_WIRE_EXPORT ResultBatch {
 public:
  /// @throws cohort::DecodeError naming what was wrong and `source_rank`
  static ResultBatch decode(std::vector<std::byte> message, int source_rank, const DecodeLimits& limits = {});

  ResultBatch(ResultBatch&&) noexcept = default;
  ResultBatch& operator=(ResultBatch&&) noexcept = default;
  ResultBatch(const ResultBatch&) = delete;
  ResultBatch& operator=(const ResultBatch&) = delete;

  const EnvelopeHeader& header() const noexcept { return header_; }
  int source_rank() const noexcept { return source_rank_; }
  std::size_t size() const noexcept { return results_.size(); }
  const ResultRecord& operator[](std::size_t i) const { return results_[i]; }
  std::span<const ResultRecord> results() const noexcept { return results_; }

 private:
  ResultBatch() = default;
  std::vector<std::byte> bytes_;
  EnvelopeHeader header_;
  std::vector<ResultRecord> results_;
  int source_rank_ = -1;
};

/// The exception an error record stands for (nullptr for an ok record), for a
/// result that came from `rank` on `host`:
///   remote_error (the task threw) and decode_error (the worker could not decode
///   the arguments) -> RemoteError(id, rank, host, type, message);
///   cancelled -> CancelledError; timeout -> TimeoutError;
///   anything else (unknown_task, ...) -> Error(status, message).
COHORT_WIRE_EXPORT std::exception_ptr to_exception(const ResultRecord& record, int rank, std::string_view host);

}  // namespace cohort::wire
