#pragma once
// Which task the calling pool thread is running, for the fatal-signal handler
// (abort.cpp): a worker that segfaults or abort()s inside a task says which
// task it was ("while running task 17 ('crash')").
//
// Thread safety: one record per thread (thread_local); written by its own
// thread around each task, read by the signal handler on that same thread.
// Plain stores: the handler runs on the thread that faulted, so it sees them.
//
// The name is a view into the task batch's bytes, alive while the task runs.
// A thread writes its record before its first task, so the handler's access
// never allocates the thread's TLS block.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cohort::cluster::detail {

struct CurrentTask {
  std::uint64_t first_id = 0;
  std::uint64_t last_id = 0;  // > first_id: a chunk of a task array
  const char* name = nullptr;
  std::size_t name_size = 0;
  bool active = false;
};

/// This thread's record (defined in abort.cpp).
CurrentTask& current_task() noexcept;

/// Sets the record for tasks first..last of `name` while in scope.
class CurrentTaskScope {
 public:
  CurrentTaskScope(std::uint64_t first, std::uint64_t last, std::string_view name) noexcept : t_(current_task()) {
    set(first, last, name);
  }
  ~CurrentTaskScope() { t_.active = false; }
  CurrentTaskScope(const CurrentTaskScope&) = delete;
  CurrentTaskScope& operator=(const CurrentTaskScope&) = delete;

  void set(std::uint64_t first, std::uint64_t last, std::string_view name) noexcept {
    t_.first_id = first;
    t_.last_id = last;
    t_.name = name.data();
    t_.name_size = name.size();
    t_.active = true;
  }

 private:
  CurrentTask& t_;
};

}  // namespace cohort::cluster::detail
