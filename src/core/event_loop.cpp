#include <cohort/core/event_loop.hpp>

#include <cohort/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cohort::core {

namespace detail {
struct LoopTimerState {
  enum : int { kPending = 0, kCancelled = 1, kFired = 2 };
  std::atomic<int> status{kPending};
};
}  // namespace detail

bool TimerHandle::cancel() noexcept {
  if (!state_) return false;
  int expected = detail::LoopTimerState::kPending;
  return state_->status.compare_exchange_strong(expected, detail::LoopTimerState::kCancelled,
                                                std::memory_order_acq_rel);
}

bool TimerHandle::cancelled() const noexcept {
  return state_ && state_->status.load(std::memory_order_acquire) == detail::LoopTimerState::kCancelled;
}

namespace {

struct TimerEntry {
  EventLoop::TimePoint when;
  std::uint64_t seq;
  std::shared_ptr<detail::LoopTimerState> state;
  Work fn;
};

// std::*_heap builds a max-heap: "later" compares greater-first so the top is the
// earliest deadline, and among equal deadlines the first created (lowest seq).
struct Later {
  bool operator()(const TimerEntry& a, const TimerEntry& b) const noexcept {
    return a.when != b.when ? a.when > b.when : a.seq > b.seq;
  }
};

struct PollerSlot {
  PollerId id;
  EventLoop::Poller fn;
  bool removed = false;
};

}  // namespace

struct EventLoop::Impl {
  explicit Impl(Options o) : options(o), backoff(o.min_idle_wait), spins_left(o.idle_spins) {}

  Options options;

  // ---- loop-thread state ----
  std::deque<Work> ready;
  std::vector<TimerEntry> timers;  // a heap ordered by Later
  std::uint64_t timer_seq = 0;
  std::size_t compact_at = 64;
  std::vector<PollerSlot> pollers;
  std::vector<PollerSlot> added_while_polling;
  bool polling = false;
  std::chrono::nanoseconds backoff;
  int spins_left;

  // ---- shared state ----
  std::atomic<std::uint64_t> next_poller_id{1};
  std::atomic<std::thread::id> loop_thread{};
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> closed{false};

  std::mutex mutex;  // guards incoming, waiting, woken
  std::condition_variable cv;
  std::vector<Work> incoming;
  bool waiting = false;
  bool woken = false;

  void insert_timer(TimePoint when, std::shared_ptr<detail::LoopTimerState> state, Work fn) {
    timers.push_back(TimerEntry{when, timer_seq++, std::move(state), std::move(fn)});
    std::push_heap(timers.begin(), timers.end(), Later{});
    // Cancelled timers are dropped lazily when they come due; a loop that
    // cancels many far-future timers (per-task timeouts) compacts now and then.
    if (timers.size() >= compact_at) {
      std::erase_if(timers, [](const TimerEntry& e) {
        return e.state->status.load(std::memory_order_relaxed) == detail::LoopTimerState::kCancelled;
      });
      std::make_heap(timers.begin(), timers.end(), Later{});
      compact_at = std::max<std::size_t>(64, 2 * timers.size());
    }
  }

  void insert_poller(PollerId id, Poller fn) {
    (polling ? added_while_polling : pollers).push_back(PollerSlot{id, std::move(fn)});
  }

  void erase_poller(PollerId id) {
    for (auto* v : {&pollers, &added_while_polling})
      for (auto& p : *v)
        if (p.id == id) p.removed = true;
    if (!polling) std::erase_if(pollers, [](const PollerSlot& p) { return p.removed; });
  }

  // Runs every poller once; true if any did work.
  bool run_pollers() {
    struct Guard {
      Impl* self;
      ~Guard() {
        self->polling = false;
        std::erase_if(self->pollers, [](const PollerSlot& p) { return p.removed; });
        for (auto& p : self->added_while_polling)
          if (!p.removed) self->pollers.push_back(std::move(p));
        self->added_while_polling.clear();
      }
    };
    if (pollers.empty()) return false;
    polling = true;
    Guard guard{this};
    bool worked = false;
    for (std::size_t i = 0; i < pollers.size(); ++i)
      if (!pollers[i].removed && pollers[i].fn()) worked = true;
    return worked;
  }

  void take_incoming() {
    std::vector<Work> batch;
    {
      std::lock_guard lock(mutex);
      woken = false;
      if (incoming.empty()) return;
      batch.swap(incoming);
    }
    for (auto& w : batch) ready.push_back(std::move(w));
  }

  // One iteration: posted work, pollers, the callbacks ready at its start, due
  // timers. Returns how many callbacks ran; `worked` also counts poller work.
  std::size_t iterate(bool& worked) {
    take_incoming();
    worked = run_pollers();
    std::size_t ran = 0;
    for (std::size_t n = ready.size(); n > 0 && !ready.empty(); --n) {
      Work fn = std::move(ready.front());
      ready.pop_front();
      ++ran;
      fn();
    }
    // Only timers that existed when this phase began: a timer that schedules a
    // zero-delay timer does not keep this iteration going forever.
    const auto now = Clock::now();
    const std::uint64_t seq_limit = timer_seq;
    while (!timers.empty() && timers.front().when <= now && timers.front().seq < seq_limit) {
      std::pop_heap(timers.begin(), timers.end(), Later{});
      TimerEntry entry = std::move(timers.back());
      timers.pop_back();
      int expected = detail::LoopTimerState::kPending;
      if (entry.state->status.compare_exchange_strong(expected, detail::LoopTimerState::kFired,
                                                      std::memory_order_acq_rel)) {
        ++ran;
        entry.fn();
      }
    }
    if (ran > 0) worked = true;
    return ran;
  }

  std::optional<TimePoint> next_deadline() {
    while (!timers.empty() &&
           timers.front().state->status.load(std::memory_order_acquire) == detail::LoopTimerState::kCancelled) {
      std::pop_heap(timers.begin(), timers.end(), Later{});
      timers.pop_back();
    }
    if (timers.empty()) return std::nullopt;
    return timers.front().when;
  }

  void idle_wait() {
    if (!ready.empty()) return;
    const bool has_pollers = !pollers.empty();
    if (has_pollers && spins_left > 0) {
      --spins_left;
      std::this_thread::yield();
      return;
    }
    const auto deadline = next_deadline();
    std::unique_lock lock(mutex);
    auto wake_up = [&] { return !incoming.empty() || woken || stop_requested.load(std::memory_order_relaxed); };
    if (wake_up()) return;
    waiting = true;
    if (has_pollers) {
      auto until = Clock::now() + std::chrono::duration_cast<Duration>(backoff);
      if (deadline && *deadline < until) until = *deadline;
      cv.wait_until(lock, until, wake_up);
      backoff = std::min(backoff * 2, options.max_idle_wait);
    } else if (deadline) {
      cv.wait_until(lock, *deadline, wake_up);
    } else {
      cv.wait(lock, wake_up);
    }
    waiting = false;
  }

  void on_work() {
    backoff = options.min_idle_wait;
    spins_left = options.idle_spins;
  }

  void notify() {
    bool notify_now;
    {
      std::lock_guard lock(mutex);
      woken = true;
      notify_now = waiting;
    }
    if (notify_now) cv.notify_one();
  }
};

EventLoop::EventLoop() : EventLoop(Options{}) {}

EventLoop::EventLoop(Options options) : impl_(std::make_unique<Impl>(options)) {
  if (options.min_idle_wait <= std::chrono::nanoseconds::zero() || options.max_idle_wait < options.min_idle_wait)
    throw Error(Errc::invalid_argument,
                "EventLoop::Options: need 0 < min_idle_wait <= max_idle_wait");
}

EventLoop::~EventLoop() {
  assert(!is_running() && "an EventLoop destroyed while it runs");
  if (!is_closed()) close();
}

void EventLoop::post(Work fn) { call_soon_threadsafe(std::move(fn)); }

void EventLoop::call_soon_threadsafe(Work fn) {
  Work dropped;
  bool notify_now = false;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->closed.load(std::memory_order_relaxed)) {
      dropped = std::move(fn);  // destroyed after the lock: its destructor may post
    } else {
      impl_->incoming.push_back(std::move(fn));
      notify_now = impl_->waiting;
    }
  }
  if (notify_now) impl_->cv.notify_one();
}

namespace {
[[noreturn]] void throw_closed(const char* where) {
  throw Error(Errc::executor_shutdown, std::string("EventLoop::") + where + ": the loop is closed");
}
}  // namespace

void EventLoop::call_soon(Work fn) {
  if (impl_->closed.load(std::memory_order_acquire)) throw_closed("call_soon");
  if (running_in_this_thread())
    impl_->ready.push_back(std::move(fn));
  else
    call_soon_threadsafe(std::move(fn));
}

TimerHandle EventLoop::call_later(Duration delay, Work fn) { return call_at(time() + delay, std::move(fn)); }

TimerHandle EventLoop::call_at(TimePoint when, Work fn) {
  if (impl_->closed.load(std::memory_order_acquire)) throw_closed("call_at");
  auto state = std::make_shared<detail::LoopTimerState>();
  TimerHandle handle(state);
  if (running_in_this_thread()) {
    impl_->insert_timer(when, std::move(state), std::move(fn));
  } else {
    call_soon_threadsafe([impl = impl_.get(), when, state = std::move(state), fn = std::move(fn)]() mutable {
      impl->insert_timer(when, std::move(state), std::move(fn));
    });
  }
  return handle;
}

PollerId EventLoop::add_poller(Poller fn) {
  if (impl_->closed.load(std::memory_order_acquire)) throw_closed("add_poller");
  const PollerId id{impl_->next_poller_id.fetch_add(1, std::memory_order_relaxed)};
  if (running_in_this_thread()) {
    impl_->insert_poller(id, std::move(fn));
  } else {
    call_soon_threadsafe([impl = impl_.get(), id, fn = std::move(fn)]() mutable { impl->insert_poller(id, std::move(fn)); });
  }
  return id;
}

void EventLoop::remove_poller(PollerId id) {
  if (running_in_this_thread())
    impl_->erase_poller(id);
  else
    call_soon_threadsafe([impl = impl_.get(), id] { impl->erase_poller(id); });
}

namespace {
// Makes the calling thread the loop thread for the duration of a run call.
class RunScope {
 public:
  RunScope(std::atomic<std::thread::id>& owner, std::atomic<bool>& stop, const char* where)
      : owner_(owner), stop_(stop) {
    std::thread::id none{};
    if (!owner_.compare_exchange_strong(none, std::this_thread::get_id()))
      throw Error(Errc::invalid_state, std::string("EventLoop::") + where +
                                           ": the loop is already running (one run call at a time)");
  }
  ~RunScope() {
    stop_.store(false, std::memory_order_relaxed);
    owner_.store(std::thread::id{});
  }
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

 private:
  std::atomic<std::thread::id>& owner_;
  std::atomic<bool>& stop_;
};
}  // namespace

void EventLoop::run_forever() {
  if (is_closed()) throw_closed("run_forever");
  run_until(nullptr);
}

void EventLoop::run_until(UniqueFunction<bool()> done) {
  if (is_closed()) throw_closed("run_until_complete");
  RunScope scope(impl_->loop_thread, impl_->stop_requested, "run");
  for (;;) {
    if (done && done()) return;
    bool worked = false;
    impl_->iterate(worked);
    if (impl_->stop_requested.load(std::memory_order_acquire)) break;
    if (done && done()) return;
    if (worked)
      impl_->on_work();
    else
      impl_->idle_wait();
  }
  if (done && !done())
    throw Error(Errc::invalid_state, "EventLoop::run_until_complete: the loop was stopped before the future completed");
}

std::size_t EventLoop::poll() {
  if (is_closed()) throw_closed("poll");
  RunScope scope(impl_->loop_thread, impl_->stop_requested, "poll");
  bool worked = false;
  return impl_->iterate(worked);
}

void EventLoop::stop() noexcept {
  impl_->stop_requested.store(true, std::memory_order_release);
  impl_->notify();
}

void EventLoop::wake() noexcept { impl_->notify(); }

void EventLoop::close() {
  if (is_running()) throw Error(Errc::invalid_state, "EventLoop::close: the loop is running");
  std::vector<Work> incoming;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->closed.store(true, std::memory_order_release);
    incoming.swap(impl_->incoming);
  }
  // Destroyed here, outside the lock; their destructors may post (and be dropped).
  incoming.clear();
  impl_->ready.clear();
  impl_->timers.clear();
  impl_->pollers.clear();
}

bool EventLoop::is_running() const noexcept { return impl_->loop_thread.load() != std::thread::id{}; }

bool EventLoop::is_closed() const noexcept { return impl_->closed.load(std::memory_order_acquire); }

bool EventLoop::running_in_this_thread() const noexcept {
  return impl_->loop_thread.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

void EventLoop::schedule_resume(TimePoint deadline, std::coroutine_handle<> h) {
  call_at(deadline, [h] { h.resume(); });
}

}  // namespace cohort::core
