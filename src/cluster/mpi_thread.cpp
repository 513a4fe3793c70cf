#include "mpi_thread.hpp"

#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>

#include <atomic>
#include <string>

namespace cohort::cluster::detail {
namespace {
std::atomic<std::thread::id> g_mpi_thread{};
}  // namespace

std::thread::id bind_mpi_thread() noexcept { return g_mpi_thread.exchange(std::this_thread::get_id()); }

void unbind_mpi_thread(std::thread::id previous) noexcept { g_mpi_thread.store(previous); }

bool on_mpi_thread() noexcept { return g_mpi_thread.load() == std::this_thread::get_id(); }

void fail_not_mpi_thread(const char* function) noexcept {
  abort_job(std::string("MPI called from ") + function +
                " on a thread that is not the MPI (event-loop) thread: only that thread may call MPI",
            exit_code::kInternalError);
}

}  // namespace cohort::cluster::detail
