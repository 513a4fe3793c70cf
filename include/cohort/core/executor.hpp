#pragma once
/// Executor: anything that runs posted work later — a ThreadPool, an
/// EventLoop, a ManualExecutor in tests. Continuations (`Future::then`) name the
/// executor they run on, so where a callback runs is always explicit.
///
/// Thread safety: post() may be called from any thread.
///
/// - post() never runs `fn` inline, inside the call.
/// - Work posted to an executor that has shut down is dropped (destroyed, not
///   run); a Promise captured in it is then broken, so nobody waits forever.

#include <cohort/core/unique_function.hpp>

namespace cohort::core {

using Work = UniqueFunction<void()>;

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(Work fn) = 0;
};

}  // namespace cohort::core
