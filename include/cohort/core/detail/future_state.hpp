#pragma once
/// Internal: the shared state behind Promise<T> / Future<T> / SharedFuture<T>.
/// Not part of the API; include <cohort/core/future.hpp> instead.
///
/// One allocation holds the refcount, an atomic state word, the result and the
/// done-callbacks. Reading a finished result takes no lock (one acquire load);
/// the mutex guards only the callback list and blocked waiters.
///
/// State word: phase (pending -> running -> completing -> done) | outcome
/// (value, error, cancelled). The outcome is chosen by the one CAS that leaves
/// pending/running, so exactly one of set_result / set_exception / cancel wins.
/// "completing" means: result stored, done-callbacks running. Blocking waiters
/// wake only at "done", so after wait() returns every callback has run and
/// Future::get() (which moves the value out) never races a callback reading it.
///
/// Thread safety: every member may be called from any thread, except that the
/// value slot is written only by the (single) producer before its winning CAS.

#include <cohort/core/export.hpp>
#include <cohort/core/unique_function.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace cohort::core {

/// Identifies a done-callback for remove_done_callback(). 0 means "none" (a
/// callback added to a finished future runs at once and gets id 0).
using CallbackId = std::uint64_t;

namespace detail {

/// Stand-in for `void` where a value slot is needed.
struct Unit {};

template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, Unit, T>;

class COHORT_CORE_EXPORT FutureStateBase {
 public:
  using Callback = UniqueFunction<void(FutureStateBase&)>;

  static constexpr std::uint8_t kPending = 0;
  static constexpr std::uint8_t kRunning = 1;
  static constexpr std::uint8_t kCompleting = 2;
  static constexpr std::uint8_t kDone = 3;
  static constexpr std::uint8_t kPhaseMask = 3;
  static constexpr std::uint8_t kValue = 4;
  static constexpr std::uint8_t kError = 8;
  static constexpr std::uint8_t kCancelled = 12;
  static constexpr std::uint8_t kOutcomeMask = 12;
  /// Set (under the mutex) once a callback or a blocked waiter is registered:
  /// without them, completing is one CAS and takes no lock.
  static constexpr std::uint8_t kHasCallbacks = 16;
  static constexpr std::uint8_t kHasWaiters = 32;
  static constexpr std::uint8_t kFlagMask = kHasCallbacks | kHasWaiters;

  FutureStateBase() noexcept = default;
  FutureStateBase(const FutureStateBase&) = delete;
  FutureStateBase& operator=(const FutureStateBase&) = delete;
  virtual ~FutureStateBase();

  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  std::uint8_t word() const noexcept { return word_.load(std::memory_order_acquire); }
  static std::uint8_t phase(std::uint8_t w) noexcept { return w & kPhaseMask; }
  static std::uint8_t outcome(std::uint8_t w) noexcept { return w & kOutcomeMask; }

  /// Result stored (callbacks may still be running).
  bool done() const noexcept { return phase(word()) >= kCompleting; }
  /// Result stored and every done-callback has run.
  bool ready() const noexcept { return phase(word()) == kDone; }
  bool running() const noexcept { return phase(word()) == kRunning; }
  bool cancelled() const noexcept { return outcome(word()) == kCancelled; }
  bool has_value() const noexcept { return outcome(word()) == kValue; }
  bool has_error() const noexcept { return outcome(word()) == kError; }

  /// Blocks until ready() (or, on the thread running this state's callbacks,
  /// until done(): a callback may wait on its own future without deadlock).
  void wait() {
    if (!ready()) wait_slow();
  }
  /// false on timeout.
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    return ready() || wait_until_slow(deadline);
  }

  /// Python's cancel(): true if now cancelled or already cancelled; false once
  /// running or done.
  bool cancel();
  /// Python's set_running_or_notify_cancel(): false if cancelled; else marks
  /// running. Throws InvalidStateError if already running or done.
  bool set_running_or_notify_cancel();

  bool try_set_exception(std::exception_ptr error);
  /// Producer-side cancel: resolves as cancelled if not yet done (even if running).
  bool try_cancel_from_producer();

  /// Runs `cb` at once (on this thread, returns 0) if the result is already
  /// stored; otherwise queues it and returns its id.
  CallbackId add_callback(Callback cb);
  bool remove_callback(CallbackId id);

  /// Valid once done() with an error outcome.
  const std::exception_ptr& error() const noexcept { return error_; }

  /// Rethrows the stored error, or CancelledError. Precondition: done(), no value.
  [[noreturn]] void throw_error() const;

  /// Set by the consumer (Future::get) once the value was moved out.
  bool consumed = false;

 protected:
  /// Leaves pending/running for completing with `outcome`; false if already done.
  bool try_begin(std::uint8_t outcome) noexcept;
  /// Runs callbacks, then publishes done and wakes waiters.
  void finish();
  /// True once the result is no longer writable (done or cancelled).
  bool closed() const noexcept { return done(); }

  std::exception_ptr error_;

 private:
  struct Node;
  void wait_slow();
  bool wait_until_slow(std::chrono::steady_clock::time_point deadline);
  static void run_callback(Callback& cb, FutureStateBase& self) noexcept;

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint8_t> word_{kPending};
  bool callbacks_closed_ = false;
  std::uint32_t waiters_ = 0;
  CallbackId next_id_ = 1;
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  std::thread::id completing_thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
};

template <class T>
class FutureState final : public FutureStateBase {
 public:
  using Value = Stored<T>;

  /// Producer only. False (value discarded) if already done or cancelled.
  template <class... Args>
  bool try_set_value(Args&&... args) {
    if (closed()) return false;
    value_.emplace(std::forward<Args>(args)...);  // only the producer writes the slot
    if (!try_begin(kValue)) {
      value_.reset();  // lost to cancel(): nobody reads the slot of a cancelled state
      return false;
    }
    finish();
    return true;
  }

  /// Precondition: has_value().
  Value& value() noexcept { return *value_; }
  const Value& value() const noexcept { return *value_; }

 private:
  std::optional<Value> value_;
};

/// Intrusive owning pointer to a state.
template <class S>
class StateRef {
 public:
  StateRef() noexcept = default;
  /// Adopts one reference.
  explicit StateRef(S* s) noexcept : s_(s) {}
  static StateRef share(S* s) noexcept {
    if (s) s->add_ref();
    return StateRef(s);
  }
  StateRef(StateRef&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  StateRef& operator=(StateRef&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  StateRef(const StateRef& o) noexcept : s_(o.s_) {
    if (s_) s_->add_ref();
  }
  StateRef& operator=(const StateRef& o) noexcept {
    if (this != &o) *this = StateRef(o);
    return *this;
  }
  ~StateRef() { reset(); }

  void reset() noexcept {
    if (s_) std::exchange(s_, nullptr)->release();
  }
  S* get() const noexcept { return s_; }
  S* operator->() const noexcept { return s_; }
  S& operator*() const noexcept { return *s_; }
  explicit operator bool() const noexcept { return s_ != nullptr; }

 private:
  S* s_ = nullptr;
};

/// Converts any clock's time_point to a steady deadline.
template <class Clock, class Duration>
std::chrono::steady_clock::time_point to_steady(const std::chrono::time_point<Clock, Duration>& tp) {
  if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
    return std::chrono::time_point_cast<std::chrono::steady_clock::duration>(tp);
  } else {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(tp - Clock::now());
  }
}

template <class Rep, class Period>
std::chrono::steady_clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& d) {
  const auto now = std::chrono::steady_clock::now();
  if (d <= d.zero()) return now;
  // Saturate instead of overflowing for "wait forever"-sized durations.
  const auto max_left = std::chrono::duration_cast<std::chrono::duration<double>>(
      std::chrono::steady_clock::time_point::max() - now);
  if (std::chrono::duration<double>(d) >= max_left) return std::chrono::steady_clock::time_point::max();
  return now + std::chrono::ceil<std::chrono::steady_clock::duration>(d);
}

}  // namespace detail
}  // namespace cohort::core
