#pragma once
// Template bodies of cluster_executor.hpp: the typed entry points. The typed
// submissions they build are in typed_submission.hpp.
// Includes wire/codec.hpp (Boost.Serialization): heavy, by necessity.

#include <cohort/cluster/impl/typed_submission.hpp>
#include <cohort/core/error.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/fixed.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

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
  using In = std::remove_cvref_t<decltype(*std::begin(inputs))>;
  bool columnar = false;
  if constexpr (detail::FixedInput<In>::value && (std::is_void_v<R> || wire::is_fixed_wire_v<R>)) {
    columnar = detail::arrays_allowed(options());
  }
  auto state = std::make_shared<detail::GatherState<R>>(n);
  auto future = state->future();
  std::size_t offset = 0;
  std::unique_ptr<detail::GatherChunk<R>> chunk;
  auto flush = [&] {
    const std::size_t size = chunk->size();
    submit_erased(std::move(chunk));
    offset += size;
  };
  auto start_chunk = [&] {
    chunk = std::make_unique<detail::GatherChunk<R>>(state, offset);
    chunk->name = std::string(name);
    chunk->policy = policy;
    if (columnar) {
      chunk->columnar = true;
      chunk->arg_size = static_cast<std::uint32_t>(detail::FixedInput<In>::size());
      chunk->result_size = static_cast<std::uint32_t>(detail::fixed_result_size<R>());
      chunk->args.reserve(std::min(detail::kMapChunk, n - offset) * chunk->arg_size);
    } else {
      chunk->ends.reserve(std::min(detail::kMapChunk, n - offset));
    }
  };
  try {
    if constexpr (std::ranges::contiguous_range<const Range> && std::is_arithmetic_v<In> &&
                  !std::is_same_v<In, bool>) {
      if (columnar) {  // the inputs' bytes are their wire bytes (fixed.hpp): copy whole chunks
        const auto* bytes = reinterpret_cast<const std::byte*>(std::ranges::data(inputs));
        while (offset < n) {
          const std::size_t k = std::min(detail::kMapChunk, n - offset);
          start_chunk();
          chunk->args.assign(bytes + offset * sizeof(In), bytes + (offset + k) * sizeof(In));
          chunk->columnar_count = k;
          flush();
        }
        return future;
      }
    }
    for (const auto& in : inputs) {
      if (!chunk) start_chunk();
      detail::append_args(*chunk, in);
      if (chunk->size() == detail::kMapChunk) flush();
    }
    if (chunk && chunk->size() > 0) flush();
  } catch (...) {
    // Some chunks may be out already: settle the tasks that will never be
    // submitted, on the loop thread that owns the state, then report here.
    const std::size_t from = offset;
    fail_on_loop([state, from, n, error = std::current_exception()] { state->fail(from, error, n - from); });
    throw;
  }
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
  auto state = std::make_shared<detail::GatherState<R>>(static_cast<std::size_t>(n));
  auto s = std::make_unique<detail::GatherChunk<R>>(state, 0);
  s->name = std::string(name);
  s->policy = options().default_policy;
  for (int w = 0; w < n; ++w) {
    wire::write_values(s->args, args...);
    s->end_task();
    s->targets.push_back(first + w);
  }
  auto future = state->future();
  submit_erased(std::move(s));
  return future;
}

}  // namespace cohort::cluster
