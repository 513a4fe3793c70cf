#pragma once
/// Counted: a value type that counts its live instances, so a test can assert
/// that futures, promises, callbacks and coroutine frames destroy what they
/// hold (cppcoro's counted type). Use a fresh Counted::Scope per test.
///
/// Thread safety: the counters are atomic; Counted objects are plain values.

#include <gtest/gtest.h>

#include <atomic>

namespace cohort::test {

struct Counted {
  static inline std::atomic<int> constructed{0};
  static inline std::atomic<int> destroyed{0};
  static int live() { return constructed.load() - destroyed.load(); }

  /// Resets the counters, and checks on exit that nothing is still alive.
  struct Scope {
    Scope() {
      constructed = 0;
      destroyed = 0;
    }
    ~Scope() { EXPECT_EQ(Counted::live(), 0) << "Counted instances leaked"; }
  };

  int value = 0;
  bool moved_from = false;

  explicit Counted(int v = 0) : value(v) { ++constructed; }
  Counted(const Counted& o) : value(o.value) { ++constructed; }
  Counted(Counted&& o) noexcept : value(o.value) {
    o.moved_from = true;
    ++constructed;
  }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { ++destroyed; }
};

}  // namespace cohort::test
