// The non-template half of the future shared state: transitions, callbacks,
// blocking waits. See include/cohort/core/detail/future_state.hpp for the design.
#include <cohort/core/detail/future_state.hpp>
#include <cohort/core/error.hpp>

#include <cstdio>
#include <typeinfo>

namespace cohort::core::detail {

struct FutureStateBase::Node {
  Node* next = nullptr;
  CallbackId id = 0;
  Callback fn;
};

FutureStateBase::~FutureStateBase() {
  // Callbacks never run (the state died pending: only possible if nobody
  // ever completed it and the Promise is gone too, e.g. moved-from paths).
  for (Node* n = head_; n != nullptr;) delete std::exchange(n, n->next);
}

bool FutureStateBase::try_begin(std::uint8_t outcome) noexcept {
  std::uint8_t w = word_.load(std::memory_order_relaxed);
  while (phase(w) < kCompleting) {
    const auto next = static_cast<std::uint8_t>((w & kFlagMask) | kCompleting | outcome);
    if (word_.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_relaxed)) return true;
  }
  return false;
}

void FutureStateBase::run_callback(Callback& cb, FutureStateBase& self) noexcept {
  // Like Python: a callback that raises is reported and the others still run;
  // the producer that completed the future must not see the exception.
  try {
    cb(self);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort: exception in a future's done-callback (ignored): %s: %s\n",
                 typeid(e).name(), e.what());
  } catch (...) {
    std::fprintf(stderr, "cohort: unknown exception in a future's done-callback (ignored)\n");
  }
}

void FutureStateBase::finish() {
  // Fast path: nobody registered a callback or blocked: publish with one CAS.
  // A registration races this CAS by setting its flag first (under the mutex),
  // which makes the CAS fail and sends us to the locked path below.
  std::uint8_t w = word_.load(std::memory_order_relaxed);
  if ((w & kFlagMask) == 0 &&
      word_.compare_exchange_strong(w, static_cast<std::uint8_t>(kDone | outcome(w)), std::memory_order_release,
                                    std::memory_order_relaxed)) {
    return;
  }
  std::unique_lock lock(mutex_);
  callbacks_closed_ = true;
  Node* list = std::exchange(head_, nullptr);
  tail_ = nullptr;
  if (list != nullptr) {
    completing_thread_ = std::this_thread::get_id();
    lock.unlock();
    while (list != nullptr) {
      Node* n = std::exchange(list, list->next);
      run_callback(n->fn, *this);
      delete n;
    }
    lock.lock();
    completing_thread_ = {};
  }
  // Flags only change under the mutex, which we hold: a plain store is exact.
  w = word_.load(std::memory_order_relaxed);
  word_.store(static_cast<std::uint8_t>((w & kFlagMask) | kDone | outcome(w)), std::memory_order_release);
  // Notify while still holding the mutex: a woken waiter may return, and its
  // owner destroy the promise, the future and so this state, as soon as the
  // mutex is free; after unlock() this thread must not touch the state.
  if (waiters_ > 0) cv_.notify_all();
}

bool FutureStateBase::cancel() {
  // Unlike the producer's paths, the consumer may cancel only while pending.
  std::uint8_t w = word_.load(std::memory_order_relaxed);
  while (phase(w) == kPending) {
    const auto next = static_cast<std::uint8_t>((w & kFlagMask) | kCompleting | kCancelled);
    if (word_.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      finish();
      return true;
    }
  }
  return outcome(w) == kCancelled;
}

bool FutureStateBase::try_cancel_from_producer() {
  if (!try_begin(kCancelled)) return false;
  finish();
  return true;
}

bool FutureStateBase::set_running_or_notify_cancel() {
  std::uint8_t w = word_.load(std::memory_order_relaxed);
  while (phase(w) == kPending) {
    if (word_.compare_exchange_weak(w, static_cast<std::uint8_t>((w & kFlagMask) | kRunning),
                                    std::memory_order_acq_rel, std::memory_order_relaxed)) {
      return true;
    }
  }
  if (outcome(w) == kCancelled) return false;
  throw InvalidStateError(phase(w) == kRunning ? "set_running_or_notify_cancel: the future is already running"
                                               : "set_running_or_notify_cancel: the future is already done");
}

bool FutureStateBase::try_set_exception(std::exception_ptr error) {
  if (!error) throw InvalidStateError("set_exception: null exception_ptr");
  if (done()) return false;
  // Only the producer writes error_; the loser of a race with cancel() leaves
  // it set, which is harmless (a cancelled state never reads error_).
  error_ = std::move(error);
  if (!try_begin(kError)) return false;
  finish();
  return true;
}

void FutureStateBase::throw_error() const {
  if (cancelled()) throw CancelledError();
  std::rethrow_exception(error_);
}

CallbackId FutureStateBase::add_callback(Callback cb) {
  std::unique_lock lock(mutex_);
  const std::uint8_t w = word_.fetch_or(kHasCallbacks, std::memory_order_acq_rel);
  if (!callbacks_closed_ && phase(w) != kDone) {
    auto* n = new Node{nullptr, next_id_++, std::move(cb)};
    if (tail_ != nullptr) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    return n->id;
  }
  lock.unlock();
  run_callback(cb, *this);  // already done: runs at once, here
  return 0;
}

bool FutureStateBase::remove_callback(CallbackId id) {
  if (id == 0) return false;
  Node* found = nullptr;
  {
    std::lock_guard lock(mutex_);
    Node* prev = nullptr;
    for (Node* n = head_; n != nullptr; prev = n, n = n->next) {
      if (n->id == id) {
        (prev != nullptr ? prev->next : head_) = n->next;
        if (tail_ == n) tail_ = prev;
        found = n;
        break;
      }
    }
  }
  delete found;  // destroy the callable outside the lock
  return found != nullptr;
}

void FutureStateBase::wait_slow() {
  std::unique_lock lock(mutex_);
  if (completing_thread_ == std::this_thread::get_id()) return;  // waiting from our own callback
  if (phase(word_.fetch_or(kHasWaiters, std::memory_order_acq_rel)) == kDone) return;
  ++waiters_;
  cv_.wait(lock, [&] { return ready(); });
  --waiters_;
}

bool FutureStateBase::wait_until_slow(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (completing_thread_ == std::this_thread::get_id()) return true;
  if (phase(word_.fetch_or(kHasWaiters, std::memory_order_acq_rel)) == kDone) return true;
  ++waiters_;
  bool ok = true;
  if (deadline == std::chrono::steady_clock::time_point::max()) {  // "forever": no clock arithmetic
    cv_.wait(lock, [&] { return ready(); });
  } else {
    ok = cv_.wait_until(lock, deadline, [&] { return ready(); });
  }
  --waiters_;
  return ok;
}

}  // namespace cohort::core::detail
