#pragma once
/// The task registry: task name -> typed invoker. Every rank registers the same
/// tasks under the same names (from main() or a plugin's entry point, never
/// from static initialisers); a worker runs a decoded TaskRecord by name.
/// HEAVY header (Boost.Serialization via codec.hpp): widely included headers
/// should forward-declare `namespace cohort::wire { class Registry; }` instead.
///
/// Thread safety: add() only during setup, before any invoke(). After that the
/// registry is read-only: invoke(), contains(), names() from any number of
/// threads at once (each with its own ResultBatchWriter).
///
/// Contract of add(name, fn):
/// - fn: a function pointer or a (non-generic) lambda / function object callable
///   as const; arguments deduced from its signature, several allowed, passed as
///   declared (by value, const&, && or &); the result may be void;
/// - argument and result types must be default-constructible and serialisable
///   with Boost.Serialization (include the boost/serialization/*.hpp they need);
/// - the name is non-empty, at most kMaxTaskNameBytes, not yet registered
///   (else cohort::Error(invalid_argument)).
///
/// Contract of invoke(task, out, ctx): appends exactly one record for `task` to
/// `out` and never throws because of the task (only std::bad_alloc):
/// - unknown name -> error record Errc::unknown_task naming the name, id and rank;
/// - undecodable arguments (corrupt, or types differ between ranks) -> error
///   record Errc::decode_error, type "cohort::DecodeError";
/// - the task throws -> error record Errc::remote_error with the exception's
///   demangled type ("std::out_of_range") and what() ("" if not a std::exception);
/// - else an ok record with the encoded result (empty for void) and timing.
///
/// Contract of invoke_array(tasks, begin, end, values, errors, ctx): the same
/// outcomes for tasks [begin, end) of a columnar TaskArray (array_batch.hpp),
/// without a record per task: task i's result is written to
/// values[i * result_size ..], a failure is appended to `errors` (index i, the
/// status, type and message the record path would give). Tasks registered
/// with add() whose arguments and result are fixed wire types (fixed.hpp) run
/// in a tight loop; any other task, or sizes that differ from the array's,
/// goes through run() one task at a time (a result of the wrong size is a
/// decode_error). Never throws because of a task (only std::bad_alloc).

#include <cohort/wire/array_batch.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/export.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cohort::wire {

/// Where and how a task runs: goes into error records and timings.
struct InvokeContext {
  int rank = -1;         ///< this process's rank (named in error messages)
  int source_rank = -1;  ///< who sent the batch (named in decode errors)
  std::int64_t (*clock_ns)() = nullptr;  ///< start/end timestamps; nullptr: steady_clock
};

/// Nanoseconds of std::chrono::steady_clock (the default task clock).
COHORT_WIRE_EXPORT std::int64_t steady_now_ns() noexcept;

class COHORT_WIRE_EXPORT Registry {
 public:
  /// One registered task, type-erased. Implemented by add()'s typed invoker.
  class COHORT_WIRE_EXPORT Invoker {
   public:
    virtual ~Invoker();
    /// Appends exactly one record for `task` to `out` (see invoke()).
    virtual void run(const TaskRecord& task, ResultBatchWriter& out, const InvokeContext& ctx) const = 0;
    /// The C++ signature, demangled, e.g. "int (int, std::string)".
    virtual std::string signature() const = 0;
    /// Runs tasks [begin, end) of a task array (see invoke_array()). This
    /// default runs each through run(); add()'s invoker has a fast loop.
    virtual void run_array(const TaskArray& tasks, std::size_t begin, std::size_t end, std::span<std::byte> values,
                           std::vector<ArrayError>& errors, const InvokeContext& ctx) const;
  };

  Registry();
  ~Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Registers `fn` under `name` (see the contract above).
  template <class F>
  void add(std::string name, F fn);

  /// Registers a hand-written invoker (what add() does after type deduction).
  void add_invoker(std::string name, std::unique_ptr<Invoker> invoker);

  bool contains(std::string_view name) const;
  std::size_t size() const noexcept { return entries_.size(); }
  /// Registered names, sorted.
  std::vector<std::string> names() const;
  /// The invoker registered under `name`, or nullptr.
  const Invoker* find(std::string_view name) const;

  /// Runs one task; appends its record to `out` (see the contract above).
  void invoke(const TaskRecord& task, ResultBatchWriter& out, const InvokeContext& ctx = {}) const;
  /// Runs every task of `batch` in order on the calling thread (ctx.source_rank
  /// is taken from the batch).
  void invoke_all(const TaskBatch& batch, ResultBatchWriter& out, const InvokeContext& ctx = {}) const;
  /// Runs tasks [begin, end) of a columnar array (see the contract above);
  /// `values` is the array's whole value block (ArrayResultWriter::values()).
  void invoke_array(const TaskArray& tasks, std::size_t begin, std::size_t end, std::span<std::byte> values,
                    std::vector<ArrayError>& errors, const InvokeContext& ctx = {}) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<Invoker>, Hash, std::equal_to<>> entries_;
};

namespace detail {
/// Inside a catch block: appends an error record for the exception being
/// handled (demangled type + message). `phase` prefixes the message when not empty.
COHORT_WIRE_EXPORT void record_current_exception(ResultBatchWriter& out, const TaskRecord& task,
                                                 const InvokeContext& ctx, std::int64_t start_ns,
                                                 std::int64_t end_ns, std::string_view phase);
/// Inside a catch block: the ArrayError for the exception being handled.
COHORT_WIRE_EXPORT ArrayError array_error_of_current_exception(std::uint32_t index);
/// Appends the decode_error record for a task whose arguments did not decode.
COHORT_WIRE_EXPORT void record_decode_error(ResultBatchWriter& out, const TaskRecord& task,
                                            const InvokeContext& ctx, const DecodeError& error);
/// Demangled name of a type_info ("std::string" style where the ABI allows).
COHORT_WIRE_EXPORT std::string demangle(const char* mangled);
}  // namespace detail

}  // namespace cohort::wire

#include <cohort/wire/impl/registry.hpp>
