#pragma once
/// Columnar task and result arrays: many tasks of one name with consecutive
/// ids and fixed-size arguments and results (arithmetic/enum types, fixed.hpp)
/// in one message: the name once, the ids as first_id + count, the arguments
/// as one array, the results as one array. What ClusterExecutor::map sends for
/// such types; everything else travels as per-record batches (batch.hpp).
/// Light header (no Boost).
///
/// Thread safety: TaskArray and ResultArray are views (into bytes the caller
/// keeps alive), readable from any number of threads. An ArrayResultWriter's
/// values() may be filled from several threads at once in disjoint parts;
/// everything else on it, one thread at a time.
///
/// Payload layouts (little-endian), after the envelope header:
///
///   task_array:   u64 first_id, u32 count, u32 attempt, u32 arg_size, u32 result_size,
///                 u16 name_len, u16 reserved (0), u32 reserved (0),
///                 name bytes, count x arg_size argument bytes
///                 (task first_id + i has attempt `attempt` and arguments i)
///   result_array: u64 task_batch_id (the task array's envelope batch id), u64 first_id,
///                 u32 count, u32 attempt, u32 result_size, u32 error_count,
///                 i64 start_ns, i64 end_ns (the whole array on the worker; 0: not measured),
///                 count x result_size value bytes (a failed task's bytes are zero),
///                 error_count x { u32 index, u16 status (cohort::Errc, not ok), u16 reserved (0),
///                                 u32 type_len, type, u32 message_len, message }
///                 (indices strictly increasing, each below count)
///
/// Decoding trusts nothing: counts over DecodeLimits::max_tasks_per_batch, an
/// empty array, a name longer than max_task_name_bytes, argument or value bytes
/// that do not match count x size exactly, a value block over max_payload_bytes,
/// unordered or out-of-range error indices, error texts over
/// max_error_text_bytes, non-zero reserved fields and trailing bytes are each a
/// cohort::DecodeError naming the batch and the sender's rank.

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/export.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::wire {

/// A decoded task array: a view into the message bytes.
struct COHORT_WIRE_EXPORT TaskArray {
  std::uint64_t batch_id = 0;  ///< from the envelope
  std::uint64_t first_id = 0;
  std::uint32_t count = 0;
  std::uint32_t attempt = 0;
  std::uint32_t arg_size = 0;     ///< bytes of one task's arguments
  std::uint32_t result_size = 0;  ///< bytes of one result the sender expects (0: void)
  std::string_view name;
  std::span<const std::byte> args;  ///< count x arg_size
  int source_rank = -1;

  std::uint64_t id_of(std::size_t i) const noexcept { return first_id + i; }
  std::span<const std::byte> args_of(std::size_t i) const noexcept { return args.subspan(i * arg_size, arg_size); }

  /// Decodes a whole message (envelope of kind task_array); `message` must outlive the view.
  /// @throws cohort::DecodeError
  static TaskArray decode(std::span<const std::byte> message, int source_rank, const DecodeLimits& limits = {});
};

/// A task array message: `count` tasks of `name`, ids first_id.., their
/// arguments `args` (count x arg_size bytes, copied in).
/// @throws cohort::Error(invalid_argument) for an empty or oversized name, count 0,
///         or args whose size is not count x arg_size
COHORT_WIRE_EXPORT std::vector<std::byte> encode_task_array(std::uint64_t batch_id, std::uint64_t first_id,
                                                            std::uint32_t attempt, std::string_view name,
                                                            std::uint32_t count, std::uint32_t arg_size,
                                                            std::uint32_t result_size,
                                                            std::span<const std::byte> args,
                                                            std::uint64_t session_id = 0);

/// One failed task of an array (index within the array).
struct ArrayError {
  std::uint32_t index = 0;
  Errc status = Errc::remote_error;
  std::string type;     ///< exception type, demangled
  std::string message;  ///< what() or the reason
};

/// Builds the result array answering one TaskArray: values are written in
/// place (pool threads may fill disjoint parts at once), errors added, then
/// finish() gives the message.
class COHORT_WIRE_EXPORT ArrayResultWriter {
 public:
  /// Sizes the message for `tasks` (count x result_size value bytes, zeroed).
  explicit ArrayResultWriter(const TaskArray& tasks);

  std::uint32_t result_size() const noexcept { return result_size_; }
  std::uint32_t count() const noexcept { return count_; }
  /// The count x result_size value bytes; task i's value at i x result_size.
  std::span<std::byte> values() noexcept;

  /// Records task `e.index` as failed (its value bytes are zeroed at finish()).
  /// Errors may come in any order; texts are truncated to DecodeLimits{}.max_error_text_bytes.
  /// @throws cohort::Error(invalid_argument) for an index past count or status ok
  void add_error(ArrayError e);
  std::size_t error_count() const noexcept { return errors_.size(); }

  /// The whole message (envelope batch id = the task array's). The writer is spent afterwards.
  /// @throws cohort::InvalidStateError if two errors name the same index, or called twice
  std::vector<std::byte> finish(std::int64_t start_ns = 0, std::int64_t end_ns = 0, std::uint64_t session_id = 0);

 private:
  std::vector<std::byte> buf_;
  std::vector<ArrayError> errors_;
  std::uint64_t batch_id_;
  std::uint32_t count_;
  std::uint32_t result_size_;
  bool finished_ = false;
};

/// One failed task of a decoded ResultArray; views into the message.
struct ArrayErrorView {
  std::uint32_t index = 0;
  Errc status = Errc::remote_error;
  std::string_view type;
  std::string_view message;
};

/// A decoded result array: a view into the message bytes.
struct COHORT_WIRE_EXPORT ResultArray {
  std::uint64_t batch_id = 0;  ///< from the envelope
  std::uint64_t task_batch_id = 0;
  std::uint64_t first_id = 0;
  std::uint32_t count = 0;
  std::uint32_t attempt = 0;
  std::uint32_t result_size = 0;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::span<const std::byte> values;    ///< count x result_size
  std::vector<ArrayErrorView> errors;   ///< by increasing index (empty: every task ok)
  int source_rank = -1;

  std::span<const std::byte> value_of(std::size_t i) const noexcept {
    return values.subspan(i * result_size, result_size);
  }

  /// @throws cohort::DecodeError
  static ResultArray decode(std::span<const std::byte> message, int source_rank, const DecodeLimits& limits = {});
};

}  // namespace cohort::wire
