#pragma once
// Template bodies of cluster_executor.hpp: typed submissions that encode
// arguments on the caller's thread and decode results on the loop thread.
// Includes wire/codec.hpp (Boost.Serialization): heavy, by necessity.

#include <cohort/core/error.hpp>
#include <cohort/core/promise.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>

#include <exception>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace cohort::cluster::detail {

template <class T>
struct IsTuple : std::false_type {};
template <class... T>
struct IsTuple<std::tuple<T...>> : std::true_type {};

/// Appends one task's arguments: a tuple is spread into several arguments.
template <class In>
void append_args(Submission& s, const In& input) {
  if constexpr (IsTuple<In>::value) {
    std::apply([&](const auto&... a) { wire::write_values(s.args, a...); }, input);
  } else {
    wire::write_values(s.args, input);
  }
  s.end_task();
}

template <class R, class P>
void settle(P& promise, const wire::ResultRecord& record, int rank, std::string_view host) {
  try {
    if constexpr (std::is_void_v<R>) {
      wire::decode_result<void>(record, rank, host);
      promise.try_set_result();
    } else {
      promise.try_set_result(wire::decode_result<R>(record, rank, host));
    }
  } catch (...) {
    promise.try_set_exception(std::current_exception());
  }
}

/// One future per task (submit, call_on, map_unordered).
template <class R>
class EachSubmission final : public Submission {
 public:
  explicit EachSubmission(std::size_t n) {
    promises_.resize(n);
    cancel_per_task = true;
  }
  std::vector<core::Future<R>> futures() {
    std::vector<core::Future<R>> out;
    out.reserve(promises_.size());
    for (auto& p : promises_) out.push_back(p.get_future());
    return out;
  }
  void deliver(std::size_t i, const wire::ResultRecord& r, int rank, std::string_view host) override {
    settle<R>(promises_[i], r, rank, host);
  }
  void fail(std::size_t i, std::exception_ptr e) override { promises_[i].try_set_exception(std::move(e)); }
  void cancel(std::size_t i) override { promises_[i].try_cancel(); }
  bool abandoned(std::size_t i) const override { return promises_[i].is_cancelled(); }

 private:
  std::vector<core::Promise<R>> promises_;
};

/// One future for all tasks, values in input order (map, call_on_workers).
template <class R>
class GatherSubmission final : public Submission {
  using Value = std::conditional_t<std::is_void_v<R>, char, R>;

 public:
  explicit GatherSubmission(std::size_t n) : values_(n), remaining_(n) {}
  core::Future<Gathered<R>> future() {
    auto f = promise_.get_future();
    if (remaining_ == 0) resolve();
    return f;
  }
  void deliver(std::size_t i, const wire::ResultRecord& r, int rank, std::string_view host) override {
    try {
      if constexpr (std::is_void_v<R>) {
        wire::decode_result<void>(r, rank, host);
      } else {
        values_[i] = wire::decode_result<R>(r, rank, host);
      }
    } catch (...) {
      note_error(i, std::current_exception());
    }
    done_one();
  }
  void fail(std::size_t i, std::exception_ptr e) override {
    note_error(i, std::move(e));
    done_one();
  }
  void cancel(std::size_t) override {
    promise_.try_cancel();
    done_one();
  }
  bool abandoned(std::size_t) const override { return promise_.is_cancelled(); }

 private:
  void note_error(std::size_t i, std::exception_ptr e) {
    if (i < first_error_index_) {
      first_error_index_ = i;
      first_error_ = std::move(e);
    }
  }
  void done_one() {
    if (--remaining_ == 0) resolve();
  }
  void resolve() {
    if (first_error_) {
      promise_.try_set_exception(first_error_);
    } else if constexpr (std::is_void_v<R>) {
      promise_.try_set_result();
    } else {
      promise_.try_set_result(std::move(values_));
    }
  }

  core::Promise<Gathered<R>> promise_;
  std::vector<Value> values_;
  std::size_t remaining_;
  std::size_t first_error_index_ = std::numeric_limits<std::size_t>::max();
  std::exception_ptr first_error_;
};

}  // namespace cohort::cluster::detail

namespace cohort::cluster {

template <class R, class... A>
core::Future<R> ClusterExecutor::submit(std::string_view name, const A&... args) {
  return submit_with<R>(options().default_policy, name, args...);
}

template <class R, class... A>
core::Future<R> ClusterExecutor::submit_with(const TaskPolicy& policy, std::string_view name, const A&... args) {
  check_root("submit");
  auto s = std::make_unique<detail::EachSubmission<R>>(1);
  s->name = std::string(name);
  s->policy = policy;
  wire::write_values(s->args, args...);
  s->end_task();
  auto futures = s->futures();
  submit_erased(std::move(s));
  return std::move(futures.front());
}

template <class R, class Range>
core::Future<Gathered<R>> ClusterExecutor::map(std::string_view name, const Range& inputs) {
  return map<R>(name, inputs, options().default_policy);
}

template <class R, class Range>
core::Future<Gathered<R>> ClusterExecutor::map(std::string_view name, const Range& inputs,
                                                  const TaskPolicy& policy) {
  check_root("map");
  std::size_t n = 0;
  for (auto it = std::begin(inputs); it != std::end(inputs); ++it) ++n;
  auto s = std::make_unique<detail::GatherSubmission<R>>(n);
  s->name = std::string(name);
  s->policy = policy;
  s->ends.reserve(n);
  for (const auto& in : inputs) detail::append_args(*s, in);
  auto future = s->future();
  if (n != 0) submit_erased(std::move(s));
  return future;
}

template <class R, class Range>
std::vector<core::Future<R>> ClusterExecutor::map_unordered(std::string_view name, const Range& inputs) {
  check_root("map_unordered");
  std::size_t n = 0;
  for (auto it = std::begin(inputs); it != std::end(inputs); ++it) ++n;
  auto s = std::make_unique<detail::EachSubmission<R>>(n);
  s->name = std::string(name);
  s->policy = options().default_policy;
  s->ends.reserve(n);
  for (const auto& in : inputs) detail::append_args(*s, in);
  auto futures = s->futures();
  if (n != 0) submit_erased(std::move(s));
  return futures;
}

template <class R, class... A>
core::Future<R> ClusterExecutor::call_on(int target, std::string_view name, const A&... args) {
  check_root("call_on");
  auto s = std::make_unique<detail::EachSubmission<R>>(1);
  s->name = std::string(name);
  s->policy = options().default_policy;
  wire::write_values(s->args, args...);
  s->end_task();
  s->targets.push_back(target);
  auto futures = s->futures();
  submit_erased(std::move(s));
  return std::move(futures.front());
}

template <class R, class... A>
core::Future<Gathered<R>> ClusterExecutor::call_on_workers(std::string_view name, const A&... args) {
  check_root("call_on_workers");
  const int n = workers();
  const int first = size() == 1 ? 0 : 1;
  auto s = std::make_unique<detail::GatherSubmission<R>>(static_cast<std::size_t>(n));
  s->name = std::string(name);
  s->policy = options().default_policy;
  for (int w = 0; w < n; ++w) {
    wire::write_values(s->args, args...);
    s->end_task();
    s->targets.push_back(first + w);
  }
  auto future = s->future();
  submit_erased(std::move(s));
  return future;
}

}  // namespace cohort::cluster
