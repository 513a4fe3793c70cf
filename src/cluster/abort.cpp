// The abort path: one line on stderr, then MPI_Abort, so no rank hangs.
#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>

#include "current_task.hpp"
#include "process_info.hpp"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace cohort::cluster {
namespace {

std::atomic<bool> g_aborting{false};

bool mpi_usable() noexcept {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

// ---- async-signal-safe pieces ------------------------------------------
void write_all(const char* s, std::size_t n) noexcept {
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

// The signal handler's line, built on the stack and written with one write()
// (under PIPE_BUF, so atomic on mpirun's pipe): written in pieces, mpirun could
// forward the first piece, then its own MPI_Abort notice, then the rest.
class Line {
 public:
  void add(const char* s, std::size_t n) noexcept {
    n = n < sizeof buf_ - size_ ? n : sizeof buf_ - size_;
    std::memcpy(buf_ + size_, s, n);
    size_ += n;
  }
  void add(const char* s) noexcept { add(s, std::strlen(s)); }
  void add_uint(std::uint64_t v) noexcept {
    char digits[24];
    char* p = digits + sizeof digits;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    add(p, static_cast<std::size_t>(digits + sizeof digits - p));
  }
  void add_int(long v) noexcept {
    if (v < 0) add("-", 1);
    add_uint(v < 0 ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v));
  }
  void write() const noexcept { write_all(buf_, size_); }

 private:
  char buf_[1024];
  std::size_t size_ = 0;
};

const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    default: return "fatal signal";
  }
}

// Read by the signal handler; set once MPI is up (MPI_Initialized is not
// async-signal-safe, a relaxed atomic load is).
std::atomic<bool> g_mpi_live{false};

thread_local detail::CurrentTask t_current_task;

// " while running task 17 ('crash')", when this thread is inside a task.
void add_current_task(Line& line) noexcept {
  const detail::CurrentTask& t = t_current_task;
  if (!t.active) return;
  if (t.last_id > t.first_id) {
    line.add(" while running one of tasks ");
    line.add_uint(t.first_id);
    line.add("..");
    line.add_uint(t.last_id);
  } else {
    line.add(" while running task ");
    line.add_uint(t.first_id);
  }
  if (t.name != nullptr) {
    line.add(" ('");
    line.add(t.name, t.name_size < 256 ? t.name_size : 256);
    line.add("')");
  }
}

// The thread reporting a fatal signal (its kernel thread id), 0 while none is.
std::atomic<long> g_signal_thread{0};
static_assert(std::atomic<long>::is_always_lock_free, "used in a signal handler");

void on_fatal_signal(int sig) {
  // One report per process. Two tasks may crash at once on two threads: the
  // second waits for the first to end the job (a reset-to-default handler
  // would let it kill the process in the middle of the first one's line), but
  // only 10 s: if the reporter is stuck (MPI_Abort blocked on a lock the
  // waiting thread holds), the process still dies. A second fault on the
  // reporting thread itself, e.g. inside MPI_Abort, ends it the ordinary way.
  const long self = ::syscall(SYS_gettid);
  long reporter = 0;
  if (!g_signal_thread.compare_exchange_strong(reporter, self)) {
    if (reporter != self) {
      for (int i = 0; i < 100; ++i) {
        struct timespec tenth {0, 100'000'000};
        ::nanosleep(&tenth, nullptr);  // async-signal-safe
      }
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  Line line;
  line.add("cohort: rank ");
  line.add_int(detail::process_rank());
  line.add(" (host ");
  line.add(detail::host_name());
  line.add("): ");
  line.add(signal_name(sig));
  add_current_task(line);
  line.add(" \xe2\x80\x94 aborting the job\n");
  line.write();
  if (g_mpi_live.load(std::memory_order_relaxed)) {
    // Not async-signal-safe; the process is lost anyway and this is the only
    // way to stop the other ranks from waiting for it.
    MPI_Abort(MPI_COMM_WORLD, exit_code::kSignalBase + sig);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

[[noreturn]] void on_terminate() noexcept {
  std::string what = "std::terminate called without an active exception";
  if (std::exception_ptr e = std::current_exception()) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    std::string type = t != nullptr ? demangle(t->name()) : "unknown type";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = "uncaught exception " + type + ": " + ex.what();
    } catch (...) {
      what = "uncaught exception of type " + type;
    }
  }
  abort_job(what, exit_code::kInternalError);
}

// One thread's alternate signal stack: mmap'ed with a guard page below it (an
// overflow of the handler itself faults instead of writing over a neighbour),
// uninstalled and unmapped when the thread exits. Big enough for the handler's
// MPI_Abort; pages are only touched if a signal comes.
class ThreadSignalStack {
 public:
  ThreadSignalStack() noexcept {
    stack_t old{};
    if (::sigaltstack(nullptr, &old) != 0 || (old.ss_flags & SS_DISABLE) == 0) return;  // keep one already there
    const long page_size = ::sysconf(_SC_PAGESIZE);
    const std::size_t page = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
    const long min_size = ::sysconf(_SC_SIGSTKSZ);
    const std::size_t usable = std::max<std::size_t>(kSize, min_size > 0 ? static_cast<std::size_t>(min_size) : 0);
    const std::size_t size = (usable + page - 1) / page * page + page;
    void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) return;  // no alternate stack: only an overflow goes unreported
    ::mprotect(base, page, PROT_NONE);
    stack_t ss{};
    ss.ss_sp = static_cast<char*>(base) + page;
    ss.ss_size = size - page;
    if (::sigaltstack(&ss, nullptr) != 0) {
      ::munmap(base, size);
      return;
    }
    base_ = base;
    size_ = size;
    stack_ = ss.ss_sp;
  }
  ~ThreadSignalStack() {
    if (base_ == nullptr) return;
    stack_t current{};
    if (::sigaltstack(nullptr, &current) == 0 && current.ss_sp == stack_ && (current.ss_flags & SS_DISABLE) == 0) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      ::sigaltstack(&off, nullptr);
    }
    ::munmap(base_, size_);
  }
  ThreadSignalStack(const ThreadSignalStack&) = delete;
  ThreadSignalStack& operator=(const ThreadSignalStack&) = delete;

 private:
  static constexpr std::size_t kSize = 256 * 1024;
  void* base_ = nullptr;
  void* stack_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

namespace detail {
CurrentTask& current_task() noexcept { return t_current_task; }
void set_mpi_live(bool live) noexcept { g_mpi_live.store(live, std::memory_order_relaxed); }
}  // namespace detail

void abort_job(std::string_view what, int exit_code) noexcept {
  if (g_aborting.exchange(true)) {
    // Another thread is already taking the job down; MPI_Abort will end us too.
    for (;;) ::pause();
  }
  std::string line;
  try {
    line = "cohort: rank " + std::to_string(detail::process_rank()) + " (host " + detail::host_name() +
           "): " + std::string(what) + " \xe2\x80\x94 aborting the job\n";
  } catch (...) {
    line = "cohort: out of memory while reporting a fatal error \xe2\x80\x94 aborting the job\n";
  }
  write_all(line.data(), line.size());
  if (mpi_usable()) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

void install_thread_signal_stack() noexcept { thread_local const ThreadSignalStack stack; }

void install_abort_handlers() {
  install_thread_signal_stack();  // each calling thread (the handlers below, once per process)
  static std::once_flag once;
  std::call_once(once, [] {
    (void)detail::host_name();  // cache it now: the signal handler cannot call gethostname safely
    (void)detail::process_rank();
    std::set_terminate(on_terminate);

    struct sigaction sa{};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_ONSTACK;  // not SA_RESETHAND: on_fatal_signal handles a second signal itself
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::sigaction(sig, &sa, nullptr);
  });
}

}  // namespace cohort::cluster
