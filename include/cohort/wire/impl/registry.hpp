#pragma once
// Template bodies of registry.hpp: signature deduction and the typed invoker.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace cohort::wire::detail {

template <class Sig>
struct SignatureOf;
template <class R, class... A>
struct SignatureOf<R(A...)> {
  using result = R;
  using args = std::tuple<A...>;
};

template <class T>
struct CallTraits : CallTraits<decltype(&T::operator())> {};  // lambdas and function objects
template <class R, class... A>
struct CallTraits<R (*)(A...)> : SignatureOf<R(A...)> {};
template <class R, class... A>
struct CallTraits<R (*)(A...) noexcept> : SignatureOf<R(A...)> {};
template <class C, class R, class... A>
struct CallTraits<R (C::*)(A...) const> : SignatureOf<R(A...)> {};
template <class C, class R, class... A>
struct CallTraits<R (C::*)(A...) const noexcept> : SignatureOf<R(A...)> {};
template <class C, class R, class... A>
struct CallTraits<R (C::*)(A...)> {
  static_assert(sizeof(C) == 0,
                "a registered task must be callable as const (a mutable lambda would race when "
                "pool threads run it at once)");
};
template <class C, class R, class... A>
struct CallTraits<R (C::*)(A...) noexcept> : CallTraits<R (C::*)(A...)> {};

template <class T>
std::string type_name() {
  std::string s = demangle(typeid(T).name());
  if constexpr (std::is_const_v<std::remove_reference_t<T>>) s = "const " + s;
  if constexpr (std::is_lvalue_reference_v<T>) s += "&";
  if constexpr (std::is_rvalue_reference_v<T>) s += "&&";
  return s;
}

template <class F, class R, class ArgsTuple>
class TypedInvoker;

template <class F, class R, class... A>
class TypedInvoker<F, R, std::tuple<A...>> final : public Registry::Invoker {
 public:
  static_assert((std::is_default_constructible_v<std::decay_t<A>> && ...),
                "task argument types must be default-constructible (they are decoded into values)");
  static_assert(std::is_void_v<R> || !std::is_reference_v<R>, "tasks return values, not references");

  explicit TypedInvoker(F fn) : fn_(std::move(fn)) {}

  void run(const TaskRecord& task, ResultBatchWriter& out, const InvokeContext& ctx) const override {
    std::tuple<std::decay_t<A>...> args;
    try {
      args = decode_args<std::decay_t<A>...>(task.args, ctx.source_rank, task.id);
    } catch (const DecodeError& e) {
      record_decode_error(out, task, ctx, e);
      return;
    }
    const auto now = ctx.clock_ns ? ctx.clock_ns : &steady_now_ns;
    const std::int64_t start = now();
    if constexpr (std::is_void_v<R>) {
      try {
        call(args, std::index_sequence_for<A...>{});
      } catch (...) {
        record_current_exception(out, task, ctx, start, now(), {});
        return;
      }
      out.begin_value(task.id, task.attempt);
      out.end_value(start, now());
    } else {
      std::optional<R> result;
      try {
        result.emplace(call(args, std::index_sequence_for<A...>{}));
      } catch (...) {
        record_current_exception(out, task, ctx, start, now(), {});
        return;
      }
      const std::int64_t end = now();
      std::vector<std::byte>& buf = out.begin_value(task.id, task.attempt);
      try {
        write_values(buf, *result);
      } catch (...) {
        out.abort_value();
        record_current_exception(out, task, ctx, start, end, "cannot encode the result: ");
        return;
      }
      out.end_value(start, end);
    }
  }

  void run_array(const TaskArray& tasks, std::size_t begin, std::size_t end, std::span<std::byte> values,
                 std::vector<ArrayError>& errors, const InvokeContext& ctx) const override {
    if constexpr (all_fixed_wire_v<std::decay_t<A>...> && (std::is_void_v<R> || is_fixed_wire_v<R>)) {
      constexpr std::size_t kArgs = fixed_wire_size_of_v<std::decay_t<A>...>;
      constexpr std::size_t kResult = [] {
        if constexpr (std::is_void_v<R>) {
          return std::size_t{0};
        } else {
          return fixed_wire_size_v<R>;
        }
      }();
      if (tasks.arg_size == kArgs && tasks.result_size == kResult) {
        for (std::size_t i = begin; i < end; ++i) {
          std::tuple<std::decay_t<A>...> args;
          const std::byte* p = tasks.args.data() + i * kArgs;
          const bool decoded = std::apply(
              [&p](auto&... v) {
                return ([&p](auto& one) {
                  const bool ok = load_fixed(p, one);
                  p += fixed_wire_size_v<std::remove_reference_t<decltype(one)>>;
                  return ok;
                }(v) && ...);
              },
              args);
          if (!decoded) {  // a bad bool byte: the record path words the error
            Invoker::run_array(tasks, i, i + 1, values, errors, ctx);
            continue;
          }
          try {
            if constexpr (std::is_void_v<R>) {
              call(args, std::index_sequence_for<A...>{});
            } else {
              store_fixed(values.data() + i * kResult, call(args, std::index_sequence_for<A...>{}));
            }
          } catch (...) {
            errors.push_back(array_error_of_current_exception(static_cast<std::uint32_t>(i)));
          }
        }
        return;
      }
    }
    Invoker::run_array(tasks, begin, end, values, errors, ctx);
  }

  std::string signature() const override {
    std::string s = type_name<R>() + " (";
    bool first = true;
    ((s += (first ? "" : ", ") + type_name<A>(), first = false), ...);
    return s + ")";
  }

 private:
  template <std::size_t... I>
  decltype(auto) call(std::tuple<std::decay_t<A>...>& args, std::index_sequence<I...>) const {
    // std::forward<A>: by-value and && parameters get rvalues (moved), & and const& lvalues.
    return std::invoke(fn_, std::forward<A>(std::get<I>(args))...);
  }

  F fn_;
};

}  // namespace cohort::wire::detail

namespace cohort::wire {

template <class F>
void Registry::add(std::string name, F fn) {
  using Fn = std::decay_t<F>;
  using Traits = detail::CallTraits<Fn>;
  using Invoker = detail::TypedInvoker<Fn, typename Traits::result, typename Traits::args>;
  add_invoker(std::move(name), std::make_unique<Invoker>(std::move(fn)));
}

}  // namespace cohort::wire
