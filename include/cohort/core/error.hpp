#pragma once
/// Cohort's errors: one `Errc` enum with its own std::error_category, and a
/// small exception family. Exceptions travel inside futures; the library never
/// calls exit(). Every message names *what* and *where* (file, rank, task id,
/// plugin path, expected vs found).
///
/// Thread safety: all types are immutable values once built.

#include <cohort/core/export.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>

namespace cohort {

enum class Errc {
  ok = 0,
  cancelled = 1,        ///< the future was cancelled (not a failure of the work)
  timeout,              ///< a wait or a task ran past its deadline
  broken_promise,       ///< the producer went away without setting a result
  invalid_state,        ///< e.g. set_result twice, get() on an empty Future
  executor_shutdown,    ///< work posted to an executor that has shut down
  invalid_argument,     ///< a bad option or parameter
  decode_error,         ///< a message that is not what it claims to be
  unknown_task,         ///< no task registered under that name
  remote_error,         ///< a task threw on another rank
  plugin_error,         ///< a plugin that cannot be loaded or is of the wrong ABI
  mpi_error,            ///< an MPI routine failed
  io_error,             ///< a file that cannot be read or written
  journal_mismatch,     ///< a journal that belongs to another job or input
};

COHORT_CORE_EXPORT const std::error_category& error_category() noexcept;
COHORT_CORE_EXPORT std::error_code make_error_code(Errc e) noexcept;

/// Base of every exception Cohort throws. what() is the message alone.
class COHORT_CORE_EXPORT Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message);
  /// Out of line, so the vtable and typeinfo live in libcohort_core only: an
  /// Error thrown by a plugin stays valid after the plugin is unloaded.
  ~Error() override;
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;
  Errc errc() const noexcept { return errc_; }
  std::error_code code() const noexcept { return make_error_code(errc_); }

 private:
  Errc errc_;
};

/// Python's concurrent.futures.CancelledError.
class COHORT_CORE_EXPORT CancelledError : public Error {
 public:
  ~CancelledError() override;
  explicit CancelledError(const std::string& message = "the future was cancelled");
};

/// Python's TimeoutError: a wait ran out, or a task ran past its timeout.
class COHORT_CORE_EXPORT TimeoutError : public Error {
 public:
  ~TimeoutError() override;
  explicit TimeoutError(const std::string& message = "timed out");
};

/// The Promise was destroyed without a result: the producer is gone.
class COHORT_CORE_EXPORT BrokenPromise : public Error {
 public:
  ~BrokenPromise() override;
  explicit BrokenPromise(const std::string& message = "broken promise: the producer went away without a result");
};

/// Python's asyncio.InvalidStateError: e.g. setting a result twice.
class COHORT_CORE_EXPORT InvalidStateError : public Error {
 public:
  ~InvalidStateError() override;
  explicit InvalidStateError(const std::string& message);
};

/// A task that threw on another rank. Carries where and what.
class COHORT_CORE_EXPORT RemoteError : public Error {
 public:
  ~RemoteError() override;
  RemoteError(std::uint64_t task_id, int rank, std::string host, std::string type, std::string message);
  std::uint64_t task_id() const noexcept { return task_id_; }
  int rank() const noexcept { return rank_; }
  const std::string& host() const noexcept { return host_; }
  /// The exception's type as the remote side saw it (demangled), e.g. "std::out_of_range".
  const std::string& type() const noexcept { return type_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::uint64_t task_id_;
  int rank_;
  std::string host_, type_, message_;
};

/// Bytes that do not decode. `source_rank` is who sent them (-1: not from a rank).
class COHORT_CORE_EXPORT DecodeError : public Error {
 public:
  ~DecodeError() override;
  DecodeError(const std::string& what_was_wrong, int source_rank = -1);
  int source_rank() const noexcept { return source_rank_; }

 private:
  int source_rank_;
};

/// A plugin that cannot be used: names the file and expected vs found.
class COHORT_CORE_EXPORT PluginError : public Error {
 public:
  ~PluginError() override;
  PluginError(std::string path, const std::string& message);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// An MPI routine returned an error code.
class COHORT_CORE_EXPORT MpiError : public Error {
 public:
  ~MpiError() override;
  MpiError(std::string routine, int code, const std::string& detail);
  const std::string& routine() const noexcept { return routine_; }
  int mpi_code() const noexcept { return code_; }

 private:
  std::string routine_;
  int code_;
};

}  // namespace cohort

template <>
struct std::is_error_code_enum<cohort::Errc> : std::true_type {};
