// ClusterExecutor: the runtime thread (MPI session, transport, loop) and the
// user-facing, thread-safe entry points.
#include <cohort/cluster/cluster_executor.hpp>

#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/cluster/mpi_session.hpp>
#include <cohort/cluster/transport.hpp>
#include <cohort/core/error.hpp>
#include <cohort/core/event_loop.hpp>
#include <cohort/core/thread_pool.hpp>

#include "log.hpp"
#include "peer_link.hpp"
#include "run_state.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace cohort::cluster {

struct ClusterExecutor::Impl {
  Impl(const wire::Registry& r, ClusterOptions o)
      : registry(r), options(std::move(o)), loop(loop_options(options)) {}

  static core::EventLoop::Options loop_options(const ClusterOptions& o) {
    core::EventLoop::Options lo;
    lo.max_idle_wait = std::max<std::chrono::nanoseconds>(o.max_idle_wait, lo.min_idle_wait);
    return lo;
  }

  const wire::Registry& registry;
  ClusterOptions options;
  std::atomic<int> rank{0};
  std::atomic<int> size{1};

  core::EventLoop loop;
  detail::RunState run;
  std::thread thread;  // the loop thread: the only one that calls MPI
  std::once_flag joined;
  std::atomic<bool> shutdown_requested{false};
  std::atomic<bool> down{false};

  // Owned and used by the loop thread only.
  std::unique_ptr<core::ThreadPool> pool;  // on ranks that run tasks
  std::unique_ptr<Transport> transport;    // with more than one rank
  std::unique_ptr<detail::Scheduler> scheduler;  // rank 0
  std::unique_ptr<detail::Worker> worker;        // ranks >= 1, or rank 0 alone

  void main(core::Promise<void>& ready);
  void setup(const MpiSession& session);
  void send(int dest, std::vector<std::byte> bytes, bool to_scheduler);
  void stop_loop();
  void join();
};

namespace {

std::vector<int> worker_ranks_of(int size) {
  std::vector<int> ranks;
  if (size == 1) ranks.push_back(0);
  for (int r = 1; r < size; ++r) ranks.push_back(r);
  return ranks;
}

}  // namespace

// Loop thread. Over MPI between ranks; alone, the scheduler and the local
// worker hand each other the same bytes through the loop (never inline).
void ClusterExecutor::Impl::send(int dest, std::vector<std::byte> bytes, bool to_scheduler) {
  if (transport) {
    transport->send(dest, std::move(bytes));
    return;
  }
  loop.call_soon([this, to_scheduler, bytes = std::move(bytes)] {
    if (to_scheduler && scheduler) scheduler->on_message(0, bytes);
    if (!to_scheduler && worker) worker->on_message(0, bytes);
  });
}

// Loop thread: this rank's part of the stop protocol is over.
void ClusterExecutor::Impl::stop_loop() {
  if (transport && !transport->flush(options.shutdown_deadline))
    detail::log_warn("messages still undelivered at the shutdown deadline");
  loop.stop();
}

void ClusterExecutor::Impl::setup(const MpiSession& session) {
  const int r = session.rank(), n = session.size();
  detail::set_log_role(n == 1 ? "local" : r == 0 ? "scheduler" : "worker");
  if (n > 1) {
    transport = std::make_unique<Transport>([this](int source, std::span<const std::byte> bytes) {
      if (scheduler) scheduler->on_message(source, bytes);
      if (worker) worker->on_message(source, bytes);
    });
    loop.add_poller([this] { return transport->poll(); });
  }
  if (r == 0) {
    scheduler = std::make_unique<detail::Scheduler>(
        loop, options, worker_ranks_of(n), n,
        [this](int dest, std::vector<std::byte> bytes) { send(dest, std::move(bytes), false); }, run);
  }
  if (r != 0 || n == 1) {
    // Each pool thread gets its own alternate signal stack, so a task that
    // overflows its stack still ends in the "cohort: rank N ... SIGSEGV" line.
    core::ThreadPool::Options po;
    po.threads = options.threads;
    po.on_thread_start = [] { install_thread_signal_stack(); };
    pool = std::make_unique<core::ThreadPool>(std::move(po));
    core::UniqueFunction<void()> on_stopped;
    if (r != 0) on_stopped = [this] { stop_loop(); };  // alone, the scheduler's on_down stops the loop
    worker = std::make_unique<detail::Worker>(
        loop, *pool, registry, options, r, session.host(),
        [this](int dest, std::vector<std::byte> bytes) { send(dest, std::move(bytes), true); },
        std::move(on_stopped), run);
    worker->start();
    // Tasks on this rank may now send peer messages (peer.hpp), through the loop.
    detail::attach_peers(detail::PeerLink{
        &loop, [this](int dest, std::vector<std::byte> bytes) { send(dest, std::move(bytes), false); }, r,
        worker_ranks_of(n)});
  }
}

void ClusterExecutor::Impl::main(core::Promise<void>& ready) {
  install_thread_signal_stack();  // the loop thread (MPI's); kept if it already has one
  std::optional<MpiSession> session;
  try {
    session.emplace();
    rank = session->rank();
    size = session->size();
    setup(*session);
  } catch (...) {
    // Nothing has run yet: the constructor rethrows on the caller's thread.
    detail::detach_peers();
    worker.reset();
    scheduler.reset();
    transport.reset();
    ready.set_exception(std::current_exception());
    return;
  }
  ready.set_result();
  try {
    loop.run_forever();
    detail::detach_peers();  // before the loop closes: a later send_to_peer throws
    // Down: the stop protocol left no message in flight either way.
    if (pool) pool->shutdown(true, false);
    worker.reset();
    scheduler.reset();
    loop.close();
    if (transport && !transport->close(options.shutdown_deadline))
      detail::log_warn("sends still pending at the shutdown deadline were cancelled");
    transport.reset();
  } catch (const std::exception& e) {
    abort_job(std::string("the cluster runtime failed: ") + e.what(), exit_code::kInternalError);
  }
  down = true;
}

void ClusterExecutor::Impl::join() {
  if (loop.running_in_this_thread())
    throw Error(Errc::invalid_state,
                "ClusterExecutor: shutdown(wait=true), serve() or the destructor called on the runtime's own loop "
                "thread (from a done-callback?) would wait for itself");
  std::call_once(joined, [this] {
    if (thread.joinable()) thread.join();
  });
}

// ---- ClusterExecutor ----------------------------------------------------------

ClusterExecutor::ClusterExecutor(const wire::Registry& registry, ClusterOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {
  install_thread_signal_stack();  // the caller's thread, usually main
  core::Promise<void> ready;
  core::Future<void> started = ready.get_future();
  // The loop thread owns the promise: it may still be inside set_value()
  // when this constructor returns.
  impl_->thread = std::thread([m = impl_.get(), ready = std::move(ready)]() mutable { m->main(ready); });
  try {
    started.get();
  } catch (...) {
    impl_->thread.join();
    throw;
  }
}

ClusterExecutor::~ClusterExecutor() {
  try {
    if (is_root()) shutdown(true, false);
    impl_->join();
  } catch (const std::exception& e) {
    abort_job(std::string("ClusterExecutor destroyed badly: ") + e.what(), exit_code::kInternalError);
  }
}

int ClusterExecutor::rank() const noexcept { return impl_->rank.load(); }
int ClusterExecutor::size() const noexcept { return impl_->size.load(); }
int ClusterExecutor::workers() const noexcept { return size() == 1 ? 1 : size() - 1; }
const ClusterOptions& ClusterExecutor::options() const noexcept { return impl_->options; }

void ClusterExecutor::check_root(const char* what) const {
  if (!is_root())
    throw Error(Errc::invalid_state, std::string("ClusterExecutor::") + what + " on rank " + std::to_string(rank()) +
                                         ": only rank 0 submits; workers call serve()");
  if (impl_->shutdown_requested.load())
    throw Error(Errc::executor_shutdown, std::string("ClusterExecutor::") + what + " after shutdown()");
}

void ClusterExecutor::submit_erased(std::unique_ptr<detail::Submission> submission) {
  Impl* m = impl_.get();
  m->loop.call_soon_threadsafe([m, s = std::move(submission)]() mutable { m->scheduler->add(std::move(s)); });
}

void ClusterExecutor::fail_on_loop(core::UniqueFunction<void()> fn) { impl_->loop.call_soon_threadsafe(std::move(fn)); }

void ClusterExecutor::shutdown(bool wait, bool cancel_pending) {
  Impl* m = impl_.get();
  if (is_root() && !m->shutdown_requested.exchange(true)) {
    m->loop.call_soon_threadsafe([m, cancel_pending] {
      m->scheduler->request_shutdown(cancel_pending, [m] {
        if (m->worker) m->pool->shutdown(true, false);  // alone: the local worker has stopped too
        m->stop_loop();
      });
    });
  }
  if (wait) m->join();
}

int ClusterExecutor::serve() {
  if (is_root()) shutdown(true, false);
  impl_->join();
  return exit_code();
}

int ClusterExecutor::exit_code() const { return impl_->run.exit_code(); }

std::vector<std::string> ClusterExecutor::protocol_errors() const { return impl_->run.protocol_errors(); }

void ClusterExecutor::send_raw(int dest, std::vector<std::byte> bytes) {
  Impl* m = impl_.get();
  const bool alone = size() == 1;
  m->loop.call_soon_threadsafe([m, dest, alone, bytes = std::move(bytes)]() mutable {
    if (m->transport) {
      m->transport->send(dest, std::move(bytes));
    } else if (alone && dest == 0 && m->scheduler) {
      m->scheduler->on_message(0, bytes);
    }
  });
}

}  // namespace cohort::cluster
