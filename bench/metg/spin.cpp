#include "spin.hpp"

#include <time.h>

#include <algorithm>
#include <vector>

namespace bench {
namespace {

double g_iterations_per_ns = 0;

// A chain of dependent multiply-adds the compiler cannot shorten or vectorise.
std::uint64_t burn(std::uint64_t iterations) {
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

}  // namespace

double calibrate_spin() {
  std::vector<double> rates;
  std::uint64_t iterations = 1'000'000;
  for (int round = 0; round < 9; ++round) {
    const double t0 = thread_cpu_ns();
    burn(iterations);
    const double dt = thread_cpu_ns() - t0;
    if (dt < 5e6) {  // under 5 ms of CPU: too short to trust, grow and retry
      iterations *= 4;
      --round;
      continue;
    }
    rates.push_back(static_cast<double>(iterations) / dt);
  }
  std::sort(rates.begin(), rates.end());
  g_iterations_per_ns = rates[rates.size() / 2];
  return g_iterations_per_ns;
}

std::uint64_t spin_ns(std::uint64_t ns) {
  burn(static_cast<std::uint64_t>(static_cast<double>(ns) * g_iterations_per_ns + 0.5));
  return ns;
}

}  // namespace bench
