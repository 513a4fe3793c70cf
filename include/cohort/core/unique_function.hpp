#pragma once
/// UniqueFunction<R(Args...)>: a move-only, type-erased callable.
///
/// What std::function would be if it accepted move-only callables (a lambda
/// holding a Promise, a unique_ptr...). Small callables (up to kInlineSize
/// bytes, nothrow-movable) live inline, so posting a small task allocates
/// nothing beyond the queue node.
///
/// Thread safety: none of its own; like any value, one owner at a time.
///
/// - Calling an empty UniqueFunction is a precondition violation (asserts).
/// - Moved-from objects are empty.

#include <cassert>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace cohort::core {

template <class Signature>
class UniqueFunction;

template <class R, class... Args>
class UniqueFunction<R(Args...)> {
 public:
  static constexpr std::size_t kInlineSize = 4 * sizeof(void*);

  UniqueFunction() noexcept = default;
  UniqueFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, UniqueFunction> &&
                                     std::is_invocable_r_v<R, D&, Args...>>>
  UniqueFunction(F&& f) {  // NOLINT(google-explicit-constructor): like std::function
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      vtable_ = &kInlineTable<D>;
    } else {
      D* heap = new D(std::forward<F>(f));
      ::new (static_cast<void*>(storage_)) D*(heap);
      vtable_ = &kHeapTable<D>;
    }
  }

  UniqueFunction(UniqueFunction&& other) noexcept { take(other); }
  UniqueFunction& operator=(UniqueFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  UniqueFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;
  ~UniqueFunction() { reset(); }

  explicit operator bool() const noexcept { return vtable_ != nullptr; }

  R operator()(Args... args) {
    assert(vtable_ && "calling an empty UniqueFunction");
    return vtable_->call(storage_, std::forward<Args>(args)...);
  }

 private:
  struct VTable {
    R (*call)(void*, Args&&...);
    void (*move)(void* dst, void* src) noexcept;  // move-construct into dst, destroy src
    void (*destroy)(void*) noexcept;
  };

  template <class D>
  static constexpr bool fits_inline() {
    return sizeof(D) <= kInlineSize && alignof(D) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <class D>
  static constexpr VTable kInlineTable{
      [](void* p, Args&&... a) -> R { return (*static_cast<D*>(p))(std::forward<Args>(a)...); },
      [](void* dst, void* src) noexcept {
        ::new (dst) D(std::move(*static_cast<D*>(src)));
        static_cast<D*>(src)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  template <class D>
  static constexpr VTable kHeapTable{
      [](void* p, Args&&... a) -> R { return (**static_cast<D**>(p))(std::forward<Args>(a)...); },
      [](void* dst, void* src) noexcept { ::new (dst) D*(*static_cast<D**>(src)); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  void take(UniqueFunction& other) noexcept {
    if (other.vtable_) {
      other.vtable_->move(storage_, other.storage_);
      vtable_ = std::exchange(other.vtable_, nullptr);
    }
  }
  void reset() noexcept {
    if (vtable_) std::exchange(vtable_, nullptr)->destroy(storage_);
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineSize];
  const VTable* vtable_ = nullptr;
};

}  // namespace cohort::core
