#pragma once
/// ClusterExecutor: concurrent.futures over MPI ranks. Rank 0 submits named
/// tasks and gets futures; every other rank serves them on a thread pool.
/// HEAVY header: its templates encode arguments with Boost.Serialization
/// (wire/codec.hpp); include it where tasks are submitted, not everywhere.
///
/// SPMD: every rank constructs one, with the same Registry; rank 0's code
/// submits, the others call serve(), which returns when rank 0 shuts down:
///
///     cohort::wire::Registry registry;
///     registry.add("square", [](int x) { return x * x; });
///     cohort::cluster::ClusterExecutor ex(registry);
///     if (ex.is_root()) {
///       auto f = ex.submit<int>("square", 7);                 // Future<int>
///       auto all = ex.map<int>("square", std::vector{1, 2, 3}); // Future<vector<int>>
///       std::cout << f.get() << ' ' << all.get().size() << '\n';
///     }
///     return ex.serve();   // workers serve; rank 0 shuts down; all return the exit code
///
/// Thread safety: submit/map/map_unordered/call_on/call_on_workers/shutdown may
/// be called from any thread on rank 0 (they only encode and post to the
/// runtime's loop). Futures complete on the runtime's loop thread: their
/// done-callbacks run there, so keep them short or use then(executor, fn).
///
/// - One event-loop thread per rank owns MPI (it opens the MpiSession: if MPI
///   is not initialised it is initialised there with MPI_THREAD_FUNNELED and
///   finalised at the end; if the host program initialised it, that must be
///   with MPI_THREAD_SERIALIZED or more). Don't call MPI yourself while an
///   executor is alive.
/// - With one rank (no mpirun, or -n 1) rank 0 runs the scheduler and a local
///   worker on its own pool: the same code path, no messages.
/// - A task that throws resolves its future with cohort::RemoteError (task id,
///   rank, host, exception type, message); an unknown name with
///   Error(unknown_task); arguments the worker cannot decode with DecodeError.
///   Retries and timeouts follow TaskPolicy.
/// - map<R>(name, inputs) is list(executor.map(fn, inputs)): one future for
///   the whole vector, values in input order, or the exception of the first
///   failed input (by position), once every task has finished. Chunking is
///   automatic (the scheduler batches). map_unordered returns one future per
///   input (input order) to use with core's as_completed / wait / when_all.
/// - call_on(rank, ...) runs a task on that worker; call_on_workers(...) runs
///   it once on every worker (rank order), e.g. to broadcast state before a
///   round: wait for it before submitting the round's tasks.
/// - shutdown(wait, cancel_pending): no new submissions; cancel_pending
///   cancels tasks not yet dispatched; then, once every dispatched task has
///   come back, the workers are told to stop, drain and acknowledge within
///   ClusterOptions::shutdown_deadline (else the job is aborted). wait blocks
///   until this rank's runtime is down. Idempotent; the destructor is
///   shutdown(true, false) on rank 0 and serve() on workers.
/// - Tasks on workers may send each other bytes: peer.hpp (send_to_peer,
///   set_peer_handler), over this runtime while it is up.
/// - Messages that do not decode are reported (DecodeError naming the sender,
///   in protocol_errors()) and dropped; the run goes on.
/// - exit_code() says how the run went (exit_codes.hpp): kOk, kTasksFailed,
///   kProtocolError.

#include <cohort/cluster/detail/submission.hpp>
#include <cohort/cluster/export.hpp>
#include <cohort/cluster/options.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/unique_function.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cohort::wire {
class Registry;
}

namespace cohort::cluster {

/// What map / call_on_workers resolve with: the values in order (nothing for void tasks).
template <class R>
using Gathered = std::conditional_t<std::is_void_v<R>, void, std::vector<R>>;

class COHORT_CLUSTER_EXPORT ClusterExecutor {
 public:
  /// Collective: every rank constructs its executor at the same point.
  /// `registry` must outlive the executor and not change any more.
  explicit ClusterExecutor(const wire::Registry& registry, ClusterOptions options = {});
  ~ClusterExecutor();
  ClusterExecutor(const ClusterExecutor&) = delete;
  ClusterExecutor& operator=(const ClusterExecutor&) = delete;

  int rank() const noexcept;
  int size() const noexcept;
  bool is_root() const noexcept { return rank() == 0; }
  /// Ranks that run tasks: size() - 1, or 1 when alone (the local worker).
  int workers() const noexcept;
  const ClusterOptions& options() const noexcept;

  /// Rank 0 only (others throw Error(invalid_state)). Arguments are encoded
  /// now, on the calling thread; R must be given: submit<int>("square", 3).
  template <class R, class... A>
  core::Future<R> submit(std::string_view name, const A&... args);
  template <class R, class... A>
  core::Future<R> submit_with(const TaskPolicy& policy, std::string_view name, const A&... args);

  /// name(input) for every input; see the contract above. Each input is one
  /// argument, or a std::tuple of arguments.
  template <class R, class Range>
  core::Future<Gathered<R>> map(std::string_view name, const Range& inputs);
  template <class R, class Range>
  core::Future<Gathered<R>> map(std::string_view name, const Range& inputs, const TaskPolicy& policy);
  template <class R, class Range>
  std::vector<core::Future<R>> map_unordered(std::string_view name, const Range& inputs);

  /// Runs the task on worker `rank` (1..size()-1; 0 when alone).
  template <class R, class... A>
  core::Future<R> call_on(int rank, std::string_view name, const A&... args);
  /// Runs the task once on every worker; the values in rank order.
  template <class R, class... A>
  core::Future<Gathered<R>> call_on_workers(std::string_view name, const A&... args);

  void shutdown(bool wait = true, bool cancel_pending = false);

  /// Workers: runs until rank 0 shuts the runtime down. Rank 0: shutdown(true)
  /// (a no-op if already done). Returns exit_code(), so `return ex.serve();`
  /// ends main() correctly on every rank.
  int serve();
  int exit_code() const;
  /// Malformed messages received so far (each a DecodeError message naming the sender).
  std::vector<std::string> protocol_errors() const;

  /// For tests and tools: sends raw bytes to `dest` on the runtime's channel
  /// (e.g. garbage, to check that it is reported and dropped). Any thread.
  void send_raw(int dest, std::vector<std::byte> bytes);

 private:
  void submit_erased(std::unique_ptr<detail::Submission> submission);
  /// Runs `fn` on the runtime's loop thread (after everything posted before).
  void fail_on_loop(core::UniqueFunction<void()> fn);
  void check_root(const char* what) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::cluster

#include <cohort/cluster/impl/cluster_executor_impl.hpp>
