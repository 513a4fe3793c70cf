#pragma once
// Template bodies of task.hpp: the coroutine promise, awaiters, start, gather, wait_for.

#include <cohort/core/task.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

namespace cohort::core {
namespace detail {

/// Owns a suspended frame while a resume is queued on an executor: run ->
/// resume; dropped unrun (executor shut down) -> destroy the frame, which breaks
/// the task's promise instead of leaking a frame that never finishes.
class ResumeWork {
 public:
  explicit ResumeWork(std::coroutine_handle<> h) noexcept : h_(h) {}
  ResumeWork(ResumeWork&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  ResumeWork& operator=(ResumeWork&&) = delete;
  ~ResumeWork() {
    if (h_) h_.destroy();
  }
  void operator()() { std::exchange(h_, nullptr).resume(); }

 private:
  std::coroutine_handle<> h_;
};

/// The link by which cancelling a task's future cancels the future it awaits.
struct CancelLink {
  std::mutex mutex;
  StateRef<FutureStateBase> awaited;

  void set(FutureStateBase* s) {
    std::lock_guard lock(mutex);
    awaited = StateRef<FutureStateBase>::share(s);
  }
  void clear() {
    StateRef<FutureStateBase> old;
    std::lock_guard lock(mutex);
    old = std::move(awaited);
  }
  void cancel_awaited() {
    StateRef<FutureStateBase> target;
    {
      std::lock_guard lock(mutex);
      target = awaited;
    }
    if (target) target->cancel();  // fails harmlessly if that future is running or done
  }
};

class TaskPromiseCore {
 public:
  Executor* executor = nullptr;
  FutureStateBase* own_state = nullptr;  // the task's future state (owned by its Promise)
  std::shared_ptr<CancelLink> link;
  std::exception_ptr error;

  std::suspend_always initial_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
  bool cancel_requested() const noexcept { return own_state != nullptr && own_state->cancelled(); }
  void throw_if_cancelled() const {
    if (cancel_requested()) throw CancelledError("the task was cancelled");
  }
};

/// co_await Future<U> / SharedFuture<U> inside a Task. `Fut` is the future type,
/// or a reference to it for lvalues.
template <class Fut>
class FutureAwaiter {
 public:
  FutureAwaiter(Fut fut, TaskPromiseCore& task) : fut_(std::forward<Fut>(fut)), task_(&task) {}

  bool await_ready() const {
    return checked_state(fut_, "co_await")->ready() || task_->cancel_requested();
  }
  void await_suspend(std::coroutine_handle<> h) {
    FutureStateBase* s = FutureAccess::state(fut_);
    if (task_->link) task_->link->set(s);
    if (task_->cancel_requested()) s->cancel();  // cancelled just before the link was set
    Executor* ex = task_->executor;
    // After add_callback the coroutine may already be resuming on another
    // thread: touch nothing of the frame past this line.
    s->add_callback([ex, h](FutureStateBase&) { ex->post(ResumeWork(h)); });
  }
  decltype(auto) await_resume() {
    if (task_->link) task_->link->clear();
    task_->throw_if_cancelled();
    return fut_.get();
  }

 private:
  Fut fut_;
  TaskPromiseCore* task_;
};

/// Wraps any other awaiter so that each co_await is a cancellation point.
template <class Awaiter>
class CancellableAwaiter {
 public:
  CancellableAwaiter(Awaiter a, TaskPromiseCore& task) : a_(std::forward<Awaiter>(a)), task_(&task) {}
  bool await_ready() { return a_.await_ready(); }
  template <class P>
  auto await_suspend(std::coroutine_handle<P> h) {
    return a_.await_suspend(h);
  }
  decltype(auto) await_resume() {
    task_->throw_if_cancelled();
    return a_.await_resume();
  }

 private:
  Awaiter a_;
  TaskPromiseCore* task_;
};

template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
    return std::forward<A>(a).operator co_await();
  } else if constexpr (requires { operator co_await(std::forward<A>(a)); }) {
    return operator co_await(std::forward<A>(a));
  } else {
    return std::forward<A>(a);
  }
}

template <class A>
struct IsSpecialAwait : std::false_type {};
template <class U>
struct IsSpecialAwait<Future<U>> : std::true_type {};
template <class U>
struct IsSpecialAwait<SharedFuture<U>> : std::true_type {};
template <class U>
struct IsSpecialAwait<Task<U>> : std::true_type {};
template <>
struct IsSpecialAwait<CurrentExecutor> : std::true_type {};

/// Keep references for lvalues, values for rvalues.
template <class R>
using Held = std::conditional_t<std::is_lvalue_reference_v<R>, R, std::remove_cvref_t<R>>;

template <class T>
class TaskPromiseBase : public TaskPromiseCore {
 public:
  Promise<T> result;
  std::optional<Stored<T>> value;

  Task<T> get_return_object() noexcept {
    own_state = FutureAccess::state(result);
    return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(static_cast<TaskPromise<T>&>(*this)));
  }

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<TaskPromise<T>> h) noexcept {
      // Take the outcome out, destroy the frame, then resolve: when get()
      // returns, every local and argument of the coroutine is gone.
      auto& p = h.promise();
      Promise<T> out = std::move(p.result);
      std::optional<Stored<T>> v = std::move(p.value);
      std::exception_ptr e = std::move(p.error);
      h.destroy();
      publish(out, v, e);
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  template <class U>
  auto await_transform(Future<U>&& f) {
    return FutureAwaiter<Future<U>>(std::move(f), *this);
  }
  template <class U>
  auto await_transform(Future<U>& f) {
    return FutureAwaiter<Future<U>&>(f, *this);
  }
  template <class U>
  auto await_transform(const SharedFuture<U>& f) {
    return FutureAwaiter<SharedFuture<U>>(SharedFuture<U>(f), *this);
  }
  template <class U>
  auto await_transform(Task<U>&& t) {
    return FutureAwaiter<Future<U>>(start(std::move(t), *executor), *this);
  }
  auto await_transform(CurrentExecutor) {
    struct Ready {
      Executor* ex;
      bool await_ready() const noexcept { return true; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      Executor& await_resume() const noexcept { return *ex; }
    };
    return Ready{executor};
  }
  template <class A>
    requires(!IsSpecialAwait<std::remove_cvref_t<A>>::value)
  auto await_transform(A&& a) {
    using R = decltype(get_awaiter(std::forward<A>(a)));
    return CancellableAwaiter<Held<R>>(get_awaiter(std::forward<A>(a)), *this);
  }

 private:
  static void publish(Promise<T>& out, std::optional<Stored<T>>& v, std::exception_ptr& e) noexcept {
    try {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const CancelledError&) {
          out.try_cancel();  // a coroutine that ends in CancelledError is cancelled (Python)
        } catch (...) {
          out.try_set_exception(e);
        }
      } else if constexpr (std::is_void_v<T>) {
        out.try_set_result();
      } else if (v) {
        out.try_set_result(std::move(*v));
      }
    } catch (...) {  // only a failing allocation can land here; `out` then breaks
    }
  }
};

template <class T>
class TaskPromise final : public TaskPromiseBase<T> {
 public:
  template <class U = T>
  void return_value(U&& v) {
    this->value.emplace(std::forward<U>(v));
  }
};

template <>
class TaskPromise<void> final : public TaskPromiseBase<void> {
 public:
  void return_void() noexcept {}
};

}  // namespace detail

template <class T>
Future<T> start(Task<T> task, Executor& ex) {
  if (!task.h_) throw InvalidStateError("start: an empty Task (moved-from or already started)");
  auto h = std::exchange(task.h_, nullptr);
  auto& p = h.promise();
  p.executor = &ex;
  Future<T> f = p.result.get_future();
  p.link = std::make_shared<detail::CancelLink>();
  p.own_state->add_callback([link = p.link](detail::FutureStateBase& s) {
    if (s.cancelled()) link->cancel_awaited();
  });
  // The first step: a task cancelled before it starts never runs.
  struct FirstStep {
    detail::ResumeWork work;
    detail::FutureStateBase* state;
    void operator()() {
      if (state->cancelled()) return;  // `work` destroys the frame unrun
      work();
    }
  };
  ex.post(FirstStep{detail::ResumeWork(h), p.own_state});
  return f;
}

template <class... Ts>
Task<std::tuple<WhenAllValue<Ts>...>> gather(Task<Ts>... tasks) {
  Executor& ex = co_await current_executor();
  co_return co_await when_all(start(std::move(tasks), ex)...);
}

template <class T>
Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(std::vector<Task<T>> tasks) {
  Executor& ex = co_await current_executor();
  std::vector<Future<T>> futures;
  futures.reserve(tasks.size());
  for (auto& t : tasks) futures.push_back(start(std::move(t), ex));
  if constexpr (std::is_void_v<T>) {
    co_await when_all(std::move(futures));
  } else {
    co_return co_await when_all(std::move(futures));
  }
}

template <class T, class Loop, class Rep, class Period>
Future<T> wait_for(Task<T> task, std::chrono::duration<Rep, Period> timeout, Loop& loop) {
  struct Race {
    std::atomic<bool> decided{false};
    Promise<T> out;
    SharedFuture<T> running;
  };
  auto race = std::make_shared<Race>();
  Future<T> result = race->out.get_future();
  race->running = start(std::move(task), loop).share();
  auto timer = loop.call_later(std::chrono::duration_cast<typename Loop::Duration>(timeout), [race] {
    if (race->decided.exchange(true)) return;
    race->running.cancel();
    race->out.try_set_exception(std::make_exception_ptr(
        TimeoutError("wait_for: the task did not finish within the timeout; it was cancelled")));
  });
  race->running.add_done_callback([race, timer](FutureView<T>) mutable {
    if (race->decided.exchange(true)) return;
    timer.cancel();
    detail::forward_outcome<false>(*detail::FutureAccess::state(race->running), race->out);
  });
  return result;
}

}  // namespace cohort::core
