// The abort path: one line on stderr, then MPI_Abort, so no rank hangs.
#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>

#include "current_task.hpp"
#include "process_info.hpp"

#include <mpi.h>

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
void write_str(const char* s) noexcept { write_all(s, std::strlen(s)); }
void write_int(long v) noexcept {
  char buf[24];
  char* p = buf + sizeof buf;
  bool neg = v < 0;
  unsigned long u = neg ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) *--p = '-';
  write_all(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

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

void write_uint(std::uint64_t v) noexcept {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  write_all(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

// " while running task 17 ('crash')", when this thread is inside a task.
void write_current_task() noexcept {
  const detail::CurrentTask& t = t_current_task;
  if (!t.active) return;
  if (t.last_id > t.first_id) {
    write_str(" while running one of tasks ");
    write_uint(t.first_id);
    write_str("..");
    write_uint(t.last_id);
  } else {
    write_str(" while running task ");
    write_uint(t.first_id);
  }
  if (t.name != nullptr) {
    write_str(" ('");
    write_all(t.name, t.name_size < 256 ? t.name_size : 256);
    write_str("')");
  }
}

void on_fatal_signal(int sig) {
  // SA_RESETHAND already restored the default action: a second fault, e.g.
  // inside MPI_Abort, ends the process the ordinary way.
  write_str("cohort: rank ");
  write_int(detail::process_rank());
  write_str(" (host ");
  write_str(detail::host_name());
  write_str("): ");
  write_str(signal_name(sig));
  write_current_task();
  write_str(" \xe2\x80\x94 aborting the job\n");
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

alignas(16) char g_alt_stack[64 * 1024];

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

void install_abort_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)detail::host_name();  // cache it now: the signal handler cannot call gethostname safely
    (void)detail::process_rank();
    std::set_terminate(on_terminate);

    stack_t ss{};
    ss.ss_sp = g_alt_stack;
    ss.ss_size = sizeof g_alt_stack;
    ::sigaltstack(&ss, nullptr);  // so a stack overflow on this thread still reports

    struct sigaction sa{};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::sigaction(sig, &sa, nullptr);
  });
}

}  // namespace cohort::cluster
