#include <cohort/core/error.hpp>

#include <string>
#include <utility>

namespace cohort {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cohort"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "ok";
      case Errc::cancelled: return "cancelled";
      case Errc::timeout: return "timed out";
      case Errc::broken_promise: return "broken promise";
      case Errc::invalid_state: return "invalid state";
      case Errc::executor_shutdown: return "executor shut down";
      case Errc::invalid_argument: return "invalid argument";
      case Errc::decode_error: return "malformed message";
      case Errc::unknown_task: return "unknown task";
      case Errc::remote_error: return "remote task failed";
      case Errc::plugin_error: return "plugin error";
      case Errc::mpi_error: return "MPI error";
      case Errc::io_error: return "I/O error";
      case Errc::journal_mismatch: return "journal does not match this job";
    }
    return "unknown cohort error " + std::to_string(ev);
  }
};

std::string with_rank(const std::string& what, int rank) {
  return rank >= 0 ? "malformed message from rank " + std::to_string(rank) + ": " + what
                   : "malformed message: " + what;
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), error_category()}; }

Error::Error(Errc code, const std::string& message) : std::runtime_error(message), errc_(code) {}
Error::~Error() = default;
CancelledError::~CancelledError() = default;
TimeoutError::~TimeoutError() = default;
BrokenPromise::~BrokenPromise() = default;
InvalidStateError::~InvalidStateError() = default;
RemoteError::~RemoteError() = default;
DecodeError::~DecodeError() = default;
PluginError::~PluginError() = default;
MpiError::~MpiError() = default;


CancelledError::CancelledError(const std::string& message) : Error(Errc::cancelled, message) {}
TimeoutError::TimeoutError(const std::string& message) : Error(Errc::timeout, message) {}
BrokenPromise::BrokenPromise(const std::string& message) : Error(Errc::broken_promise, message) {}
InvalidStateError::InvalidStateError(const std::string& message) : Error(Errc::invalid_state, message) {}

RemoteError::RemoteError(std::uint64_t task_id, int rank, std::string host, std::string type,
                         std::string message)
    : Error(Errc::remote_error, "task " + std::to_string(task_id) + " failed on rank " +
                                    std::to_string(rank) + " (" + host + "): " + type + ": " + message),
      task_id_(task_id),
      rank_(rank),
      host_(std::move(host)),
      type_(std::move(type)),
      message_(std::move(message)) {}

DecodeError::DecodeError(const std::string& what_was_wrong, int source_rank)
    : Error(Errc::decode_error, with_rank(what_was_wrong, source_rank)), source_rank_(source_rank) {}

PluginError::PluginError(std::string path, const std::string& message)
    : Error(Errc::plugin_error, "plugin " + path + ": " + message), path_(std::move(path)) {}

MpiError::MpiError(std::string routine, int code, const std::string& detail)
    : Error(Errc::mpi_error, routine + " failed (code " + std::to_string(code) + "): " + detail),
      routine_(std::move(routine)),
      code_(code) {}

}  // namespace cohort
