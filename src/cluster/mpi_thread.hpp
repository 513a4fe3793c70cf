#pragma once
// The one thread that may call MPI in this process (MPI_THREAD_FUNNELED: the
// thread that initialised MPI, or, when MPI was initialised elsewhere with
// MPI_THREAD_SERIALIZED or more, the thread that opened the MpiSession).
//
// Every MPI-touching function starts with COHORT_ASSERT_MPI_THREAD(); in debug
// builds a call from another thread aborts the job with a message naming the
// function.
//
// Thread safety: bind/unbind on the MPI thread; the check from any thread.

#include <thread>

namespace cohort::cluster::detail {

/// Makes the calling thread the MPI thread; returns the previous one (restored
/// by unbind_mpi_thread when a nested session ends).
std::thread::id bind_mpi_thread() noexcept;
void unbind_mpi_thread(std::thread::id previous) noexcept;
bool on_mpi_thread() noexcept;
void fail_not_mpi_thread(const char* function) noexcept;

}  // namespace cohort::cluster::detail

#ifdef NDEBUG
#define COHORT_ASSERT_MPI_THREAD() ((void)0)
#else
#define COHORT_ASSERT_MPI_THREAD()                                                          \
  do {                                                                                      \
    if (!::cohort::cluster::detail::on_mpi_thread())                                        \
      ::cohort::cluster::detail::fail_not_mpi_thread(static_cast<const char*>(__func__));   \
  } while (0)
#endif
