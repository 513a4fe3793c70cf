#pragma once
/// ManualExecutor: an Executor that runs nothing until told to — tests drive it
/// by hand to order events deterministically (folly's ManualExecutor,
/// stdexec's run_loop).
///
/// Thread safety: post() and pending() from any thread; run_one() / run_all()
/// from any thread, but work runs on the thread that calls them.
///
/// - post() only queues; work runs inside run_one() / run_all(), in FIFO order.
/// - run_all() also runs work posted by the work it runs, until the queue is empty.
/// - Work still queued when the executor is destroyed is destroyed unrun (a
///   Promise inside it is then broken).

#include <cohort/core/executor.hpp>

#include <cstddef>
#include <deque>
#include <mutex>

namespace cohort::core {

class ManualExecutor final : public Executor {
 public:
  ManualExecutor() = default;
  ManualExecutor(const ManualExecutor&) = delete;
  ManualExecutor& operator=(const ManualExecutor&) = delete;
  ~ManualExecutor() override {
    std::deque<Work> dropped;
    {
      std::lock_guard lock(mutex_);
      dropped.swap(queue_);
    }
  }

  void post(Work fn) override {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
  }

  /// Runs the oldest queued work item; false if there was none.
  bool run_one() {
    Work fn;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return false;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
    return true;
  }

  /// Runs until the queue is empty; returns how many items ran.
  std::size_t run_all() {
    std::size_t n = 0;
    while (run_one()) ++n;
    return n;
  }

  std::size_t pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Work> queue_;
};

}  // namespace cohort::core
