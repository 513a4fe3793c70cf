#pragma once
/// Template bodies of EventLoop::run_until_complete (included by event_loop.hpp).

#include <cohort/core/event_loop.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/task.hpp>

namespace cohort::core {

template <class T>
T EventLoop::run_until_complete(Future<T> future) {
  if (!future.valid()) throw InvalidStateError("EventLoop::run_until_complete: an invalid Future");
  // The future may be completed by any thread (a pool worker): its callback
  // only wakes the loop, which then sees done() and returns.
  const CallbackId id = future.add_done_callback([this] { wake(); });
  struct Unregister {
    Future<T>& f;
    CallbackId id;
    ~Unregister() {
      // Still queued: remove it, it must not outlive this call. Not queued:
      // it ran or is running; wait() returns once it has finished.
      if (id != 0 && !f.remove_done_callback(id)) f.wait();
    }
  } unregister{future, id};
  run_until([&future] { return future.done(); });
  return future.get();
}

}  // namespace cohort::core

namespace cohort::core {

template <class T>
T EventLoop::run_until_complete(Task<T> task) {
  return run_until_complete(start(std::move(task), *this));
}

}  // namespace cohort::core
