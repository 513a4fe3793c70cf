#include "process_info.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace cohort::cluster::detail {
namespace {

int rank_from_env() noexcept {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::atoi(v);
  }
  return -1;
}

std::atomic<int> g_rank{-2};  // -2: not looked up yet
char g_host[256] = {};
std::atomic<bool> g_host_ready{false};

}  // namespace

int process_rank() noexcept {
  int r = g_rank.load(std::memory_order_acquire);
  if (r == -2) {
    r = rank_from_env();
    int expected = -2;
    g_rank.compare_exchange_strong(expected, r, std::memory_order_acq_rel);
    r = g_rank.load(std::memory_order_acquire);
  }
  return r;
}

void set_process_rank(int rank) noexcept { g_rank.store(rank, std::memory_order_release); }

const char* host_name() noexcept {
  if (!g_host_ready.load(std::memory_order_acquire)) {
    // Two threads may race here: both write the same bytes, harmless.
    if (::gethostname(g_host, sizeof g_host - 1) != 0) std::strcpy(g_host, "unknown-host");
    g_host[sizeof g_host - 1] = '\0';
    g_host_ready.store(true, std::memory_order_release);
  }
  return g_host;
}

}  // namespace cohort::cluster::detail
