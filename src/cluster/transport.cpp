#include <cohort/cluster/transport.hpp>

#include <cohort/core/error.hpp>

#include "log.hpp"
#include "mpi_check.hpp"
#include "mpi_thread.hpp"

#include <mpi.h>

#include <atomic>
#include <climits>
#include <string>
#include <utility>

namespace cohort::cluster {

namespace detail {
namespace {
std::atomic<int> g_live_transports{0};
}
int live_transports() noexcept { return g_live_transports.load(); }
void add_live_transport(int delta) noexcept { g_live_transports.fetch_add(delta); }
}  // namespace detail

namespace {
constexpr int kTag = 7;                       // the one tag on Cohort's own communicator
constexpr std::size_t kMaxPooledCapacity = 1 << 20;  // don't hoard huge buffers
}  // namespace

struct Transport::Impl {
  Receiver on_message;
  Options options;
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  bool closed = false;

  // In-flight sends: requests_[i] sends buffers_[i]. Parallel arrays so
  // MPI_Testsome sees one contiguous request array.
  std::vector<MPI_Request> requests;
  std::vector<Bytes> buffers;
  std::vector<int> done_indices;
  std::vector<MPI_Status> done_statuses;
  std::vector<Bytes> pool;  // completed send buffers, reused by take_buffer()
  Bytes receive_buffer;     // reused for every receive
  Stats stats;

  bool progress_sends() {
    if (requests.empty()) return false;
    const int n = static_cast<int>(requests.size());
    done_indices.resize(requests.size());
    done_statuses.resize(requests.size());
    int outcount = 0;
    detail::check_mpi(MPI_Testsome(n, requests.data(), &outcount, done_indices.data(), done_statuses.data()),
                      "MPI_Testsome");
    if (outcount <= 0) return false;  // 0, or MPI_UNDEFINED when all are null
    // Completed requests are now MPI_REQUEST_NULL: compact both arrays.
    std::size_t keep = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (requests[i] == MPI_REQUEST_NULL) {
        recycle(std::move(buffers[i]));
        continue;
      }
      if (keep != i) {
        requests[keep] = requests[i];
        buffers[keep] = std::move(buffers[i]);
      }
      ++keep;
    }
    requests.resize(keep);
    buffers.resize(keep);
    return true;
  }

  void recycle(Bytes&& b) {
    if (pool.size() < options.max_pooled_buffers && b.capacity() <= kMaxPooledCapacity) {
      b.clear();
      pool.push_back(std::move(b));
    }
  }

  bool receive_available() {
    bool did = false;
    for (int i = 0; i < options.max_receives_per_poll; ++i) {
      int flag = 0;
      MPI_Message message = MPI_MESSAGE_NULL;
      MPI_Status status;
      detail::check_mpi(MPI_Improbe(MPI_ANY_SOURCE, kTag, comm, &flag, &message, &status), "MPI_Improbe");
      if (flag == 0) break;
      int count = 0;
      detail::check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
      if (receive_buffer.size() < static_cast<std::size_t>(count)) receive_buffer.resize(static_cast<std::size_t>(count));
      detail::check_mpi(MPI_Mrecv(receive_buffer.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
      ++stats.messages_received;
      stats.bytes_received += static_cast<std::uint64_t>(count);
      did = true;
      on_message(status.MPI_SOURCE, std::span<const std::byte>(receive_buffer.data(), static_cast<std::size_t>(count)));
      // Don't keep a one-off giant buffer alive for the rest of the run.
      if (receive_buffer.capacity() > 16 * kMaxPooledCapacity) Bytes().swap(receive_buffer);
    }
    return did;
  }
};

Transport::Transport(Receiver on_message) : Transport(std::move(on_message), Options{}) {}

Transport::Transport(Receiver on_message, Options options) : impl_(std::make_unique<Impl>()) {
  COHORT_ASSERT_MPI_THREAD();
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized == 0)
    throw Error(Errc::invalid_state, "Transport: MPI is not initialised (open an MpiSession on this thread first)");
  impl_->on_message = std::move(on_message);
  impl_->options = options;
  detail::check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(impl_->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(impl_->comm, &impl_->rank);
  MPI_Comm_size(impl_->comm, &impl_->size);
  detail::add_live_transport(1);
}

Transport::~Transport() {
  if (!impl_ || impl_->closed) return;
  try {
    if (!close()) detail::log_warn("Transport closed with sends that did not complete in time (cancelled)");
  } catch (const std::exception& e) {
    detail::log_warn(std::string("Transport: error while closing: ") + e.what());
  }
}

int Transport::rank() const noexcept { return impl_->rank; }
int Transport::size() const noexcept { return impl_->size; }

void Transport::send(int dest, Bytes bytes) {
  COHORT_ASSERT_MPI_THREAD();
  Impl& m = *impl_;
  if (m.closed) throw Error(Errc::invalid_state, "Transport::send after close()");
  if (dest < 0 || dest >= m.size)
    throw Error(Errc::invalid_argument, "Transport::send: no rank " + std::to_string(dest) + " in a world of " +
                                            std::to_string(m.size));
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw Error(Errc::invalid_argument, "Transport::send: message of " + std::to_string(bytes.size()) +
                                            " bytes to rank " + std::to_string(dest) + " exceeds INT_MAX bytes");
  MPI_Request request = MPI_REQUEST_NULL;
  detail::check_mpi(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, kTag, m.comm, &request),
                    "MPI_Isend");
  ++m.stats.messages_sent;
  m.stats.bytes_sent += bytes.size();
  // The vector's heap block does not move when the vector object is moved,
  // so the pointer handed to MPI_Isend stays valid.
  m.requests.push_back(request);
  m.buffers.push_back(std::move(bytes));
}

Transport::Bytes Transport::take_buffer() {
  Impl& m = *impl_;
  if (m.pool.empty()) return {};
  Bytes b = std::move(m.pool.back());
  m.pool.pop_back();
  return b;
}

bool Transport::poll() {
  COHORT_ASSERT_MPI_THREAD();
  Impl& m = *impl_;
  if (m.closed) return false;
  bool did = m.progress_sends();
  did = m.receive_available() || did;
  return did;
}

std::size_t Transport::pending_sends() const noexcept { return impl_->requests.size(); }
Transport::Stats Transport::stats() const noexcept { return impl_->stats; }

bool Transport::flush(std::chrono::steady_clock::duration deadline) {
  COHORT_ASSERT_MPI_THREAD();
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!impl_->requests.empty()) {
    poll();
    if (std::chrono::steady_clock::now() >= until) return impl_->requests.empty();
  }
  return true;
}

bool Transport::close(std::chrono::steady_clock::duration deadline) {
  COHORT_ASSERT_MPI_THREAD();
  Impl& m = *impl_;
  if (m.closed) return true;
  const bool all_sent = flush(deadline);
  if (!all_sent) {
    detail::log_warn(std::to_string(m.requests.size()) + " send(s) still pending at close: cancelling them");
    for (MPI_Request& r : m.requests) {
      if (r != MPI_REQUEST_NULL) {
        MPI_Cancel(&r);
        MPI_Request_free(&r);
      }
    }
  }
  m.requests.clear();
  m.buffers.clear();
  m.closed = true;
  MPI_Comm_free(&m.comm);
  detail::add_live_transport(-1);
  return all_sent;
}

}  // namespace cohort::cluster
