#pragma once
/// Template bodies of ThreadPool::submit and ThreadPool::map (included by
/// thread_pool.hpp; not a public header of its own).

#include <cohort/core/error.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <tuple>
#include <utility>
#include <vector>

namespace cohort::core::detail {

/// One submit(): runs fn(args...) into the promise. Destroyed without running
/// (a shutdown with cancel_pending, or posted after shutdown) it cancels the
/// future, so a waiter never hangs on a task that will not run.
template <class R, class F, class Tuple>
class PoolTask {
 public:
  PoolTask(Promise<R> promise, F fn, Tuple args)
      : promise_(std::move(promise)), fn_(std::move(fn)), args_(std::move(args)) {}
  PoolTask(PoolTask&&) noexcept = default;
  PoolTask& operator=(PoolTask&&) = delete;
  ~PoolTask() {
    if (!ran_ && promise_.valid()) promise_.try_cancel();
  }

  void operator()() {
    ran_ = true;
    if (!promise_.set_running_or_notify_cancel()) return;  // cancelled while queued: never runs
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(std::move(fn_), std::move(args_));
        promise_.try_set_result();
      } else {
        promise_.try_set_result(std::apply(std::move(fn_), std::move(args_)));
      }
    } catch (...) {
      promise_.try_set_exception(std::current_exception());
    }
  }

 private:
  Promise<R> promise_;
  F fn_;
  Tuple args_;
  bool ran_ = false;
};

/// Shared by the chunks of one map(). Only the chunk that finishes last
/// touches the promise, so the promise has one user at a time.
template <class R, class Input, class F>
struct MapState {
  MapState(std::vector<Input> in, F f, std::size_t chunk)
      : inputs(std::move(in)), fn(std::move(f)), chunk_size(chunk),
        chunks((inputs.size() + chunk - 1) / chunk), results(inputs.size()), errors(chunks),
        remaining(chunks) {}

  void run_chunk(std::size_t c) {
    const std::size_t begin = c * chunk_size;
    const std::size_t end = std::min(begin + chunk_size, inputs.size());
    try {
      for (std::size_t i = begin; i < end; ++i) results[i].emplace(std::invoke(fn, inputs[i]));
    } catch (...) {
      errors[c] = std::current_exception();
    }
    finish_one();
  }

  void drop_chunk() {
    dropped.store(true, std::memory_order_relaxed);
    finish_one();
  }

  void finish_one() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (dropped.load(std::memory_order_relaxed)) {
      promise.try_cancel();
      return;
    }
    for (auto& e : errors)
      if (e) {
        promise.try_set_exception(e);
        return;
      }
    try {
      std::vector<R> out;
      out.reserve(results.size());
      for (auto& r : results) out.push_back(std::move(*r));
      promise.try_set_result(std::move(out));
    } catch (...) {
      promise.try_set_exception(std::current_exception());
    }
  }

  std::vector<Input> inputs;
  F fn;
  std::size_t chunk_size;
  std::size_t chunks;
  std::vector<std::optional<R>> results;
  std::vector<std::exception_ptr> errors;  // one per chunk: the first by input order wins
  std::atomic<std::size_t> remaining;
  std::atomic<bool> dropped{false};
  Promise<std::vector<R>> promise;
};

template <class State>
class MapChunk {
 public:
  MapChunk(std::shared_ptr<State> s, std::size_t c) noexcept : state_(std::move(s)), chunk_(c) {}
  MapChunk(MapChunk&&) noexcept = default;
  MapChunk& operator=(MapChunk&&) = delete;
  ~MapChunk() {
    if (state_) state_->drop_chunk();  // never ran: the map's future resolves as cancelled
  }
  void operator()() { std::exchange(state_, nullptr)->run_chunk(chunk_); }

 private:
  std::shared_ptr<State> state_;
  std::size_t chunk_;
};

}  // namespace cohort::core::detail

namespace cohort::core {

template <class F, class... Args>
auto ThreadPool::submit(F&& fn, Args&&... args)
    -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
  using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
  if (is_shutdown()) throw Error(Errc::executor_shutdown, "ThreadPool::submit: the pool is shut down");
  Promise<R> promise;
  Future<R> future = promise.get_future();
  post(detail::PoolTask<R, std::decay_t<F>, std::tuple<std::decay_t<Args>...>>(
      std::move(promise), std::forward<F>(fn), std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)));
  return future;
}

template <class F, class Range>
auto ThreadPool::map(F&& fn, const Range& inputs, std::size_t chunk) {
  using Input = std::ranges::range_value_t<Range>;
  using Fn = std::decay_t<F>;
  using R = std::decay_t<std::invoke_result_t<Fn&, const Input&>>;
  static_assert(!std::is_void_v<R>, "ThreadPool::map: fn must return a value (use submit or post for void work)");
  using State = detail::MapState<R, Input, Fn>;
  if (is_shutdown()) throw Error(Errc::executor_shutdown, "ThreadPool::map: the pool is shut down");

  std::vector<Input> items(std::ranges::begin(inputs), std::ranges::end(inputs));
  if (items.empty()) return make_ready_future(std::vector<R>{});
  if (chunk == 0) chunk = std::max<std::size_t>(1, (items.size() + 4 * size() - 1) / (4 * size()));
  auto state = std::make_shared<State>(std::move(items), Fn(std::forward<F>(fn)), chunk);
  auto future = state->promise.get_future();
  for (std::size_t c = 0; c < state->chunks; ++c) post(detail::MapChunk<State>(state, c));
  return future;
}

}  // namespace cohort::core
