#pragma once
// Typed submissions (template bodies for cluster_executor.hpp): what map,
// submit and call_on hand to the scheduler, encoding arguments on the caller's
// thread and settling futures on the loop thread; and the rule for when a map
// travels as columnar task arrays. Includes wire/codec.hpp (Boost.Serialization).
// Included by cluster_executor.hpp (through impl/cluster_executor_impl.hpp),
// after cluster::Gathered is declared; not meant to be included alone.

#include <cohort/cluster/detail/submission.hpp>
#include <cohort/cluster/options.hpp>
#include <cohort/core/error.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/promise.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/fixed.hpp>

#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort::cluster::detail {

template <class T>
struct IsTuple : std::false_type {};
template <class... T>
struct IsTuple<std::tuple<T...>> : std::true_type {};

/// Whether map's inputs of type In travel as fixed-size columns, and their size.
template <class In>
struct FixedInput {
  static constexpr bool value = wire::is_fixed_wire_v<In>;
  static constexpr std::size_t size() {
    if constexpr (value) {
      return wire::fixed_wire_size_v<In>;
    } else {
      return 0;
    }
  }
};
template <class... T>
struct FixedInput<std::tuple<T...>> {
  static constexpr bool value = wire::all_fixed_wire_v<T...>;
  static constexpr std::size_t size() {
    if constexpr (value) {
      return wire::fixed_wire_size_of_v<T...>;
    } else {
      return 0;
    }
  }
};
template <class R>
constexpr std::size_t fixed_result_size() {
  if constexpr (wire::is_fixed_wire_v<R>) {
    return wire::fixed_wire_size_v<R>;
  } else {
    return 0;  // void (or not columnar at all)
  }
}
/// Task arrays need no per-task record; observers and task times want one.
inline bool arrays_allowed(const ClusterOptions& o) {
  return o.array_batches && !o.record_task_times && o.observer == nullptr && !o.collect_worker_events;
}

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
/// Shared by the chunks a map is submitted in; used on the loop thread only
/// once the first chunk is posted.
template <class R>
class GatherState {
  using Value = std::conditional_t<std::is_void_v<R>, char, R>;

 public:
  explicit GatherState(std::size_t n) : values_(n), remaining_(n) {}
  core::Future<Gathered<R>> future() {
    auto f = promise_.get_future();
    if (remaining_ == 0) resolve();
    return f;
  }
  void deliver(std::size_t i, const wire::ResultRecord& r, int rank, std::string_view host) {
    try {
      if constexpr (std::is_void_v<R>) {
        wire::decode_result<void>(r, rank, host);
      } else {
        values_[i] = wire::decode_result<R>(r, rank, host);
      }
    } catch (...) {
      note_error(i, std::current_exception());
    }
    done(1);
  }
  /// Tasks i .. i + count - 1 (ids id ..) finished ok with these result bytes.
  void deliver_values(std::size_t i, std::uint64_t id, std::size_t count, std::span<const std::byte> bytes,
                      int rank) {
    if constexpr (std::is_arithmetic_v<R> && !std::is_same_v<R, bool>) {
      if (bytes.size() == count * sizeof(R)) {  // the wire bytes are the values' bytes (fixed.hpp)
        if (count != 0) std::memcpy(values_.data() + i, bytes.data(), bytes.size());
        done(count);
        return;
      }
    }
    if constexpr (!std::is_void_v<R>) {
      const std::size_t size = count == 0 ? 0 : bytes.size() / count;
      for (std::size_t j = 0; j < count; ++j) {
        const auto one = bytes.subspan(j * size, size);
        if constexpr (wire::is_fixed_wire_v<R>) {
          R v{};
          if (one.size() == wire::fixed_wire_size_v<R> && wire::load_fixed(one.data(), v)) {
            values_[i + j] = v;
            continue;
          }
        }
        try {  // the checks and words of the record path
          values_[i + j] = wire::decode_value<R>(one, rank, "result", id + j);
        } catch (...) {
          note_error(i + j, std::current_exception());
        }
      }
    }
    done(count);
  }
  void fail(std::size_t i, std::exception_ptr e, std::size_t count = 1) {
    note_error(i, std::move(e));
    done(count);
  }
  void cancel() {
    promise_.try_cancel();
    done(1);
  }
  bool abandoned() const { return promise_.is_cancelled(); }

 private:
  void note_error(std::size_t i, std::exception_ptr e) {
    if (i < first_error_index_) {
      first_error_index_ = i;
      first_error_ = std::move(e);
    }
  }
  void done(std::size_t count) {
    remaining_ -= count;
    if (remaining_ == 0) resolve();
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

/// Tasks offset .. offset + size() - 1 of a gather.
template <class R>
class GatherChunk final : public Submission {
 public:
  GatherChunk(std::shared_ptr<GatherState<R>> state, std::size_t offset) : state_(std::move(state)), offset_(offset) {}
  void deliver(std::size_t i, const wire::ResultRecord& r, int rank, std::string_view host) override {
    state_->deliver(offset_ + i, r, rank, host);
  }
  void fail(std::size_t i, std::exception_ptr e) override { state_->fail(offset_ + i, std::move(e)); }
  void deliver_values(std::size_t first, std::size_t count, std::span<const std::byte> values, int rank,
                      std::string_view) override {
    state_->deliver_values(offset_ + first, first_id + first, count, values, rank);
  }
  void fail_range(std::size_t first, std::size_t count, std::exception_ptr e) override {
    state_->fail(offset_ + first, std::move(e), count);
  }
  void cancel(std::size_t) override { state_->cancel(); }
  bool abandoned(std::size_t) const override { return state_->abandoned(); }

 private:
  std::shared_ptr<GatherState<R>> state_;
  std::size_t offset_;
};

/// Tasks a map hands to the scheduler at once: the loop starts dispatching
/// the first ones while the caller still encodes the rest.
inline constexpr std::size_t kMapChunk = 16 * 1024;

}  // namespace cohort::cluster::detail
