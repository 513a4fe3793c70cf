#include "busy_farm.hpp"

#include <mpi.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {
namespace {

constexpr int kTaskTag = 11, kResultTag = 12, kStopTag = 13;

void worker(MPI_Comm comm) {
  std::vector<std::uint64_t> args, results;
  for (;;) {
    MPI_Status status;
    MPI_Probe(0, MPI_ANY_TAG, comm, &status);
    int bytes = 0;
    MPI_Get_count(&status, MPI_BYTE, &bytes);
    args.resize(static_cast<std::size_t>(bytes) / sizeof(std::uint64_t));
    MPI_Recv(args.data(), bytes, MPI_BYTE, 0, status.MPI_TAG, comm, MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kStopTag) return;
    results.resize(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) results[i] = spin_ns(args[i]);
    MPI_Send(results.data(), static_cast<int>(results.size() * sizeof(std::uint64_t)), MPI_BYTE, 0, kResultTag,
             comm);
  }
}

BusyFarmResult master(MPI_Comm comm, int size, const BusyFarmConfig& c) {
  const int workers = size - 1;
  const int k = std::max(1, c.credits);
  // Worker w owns send slots [(w-1)*k, w*k): a result from w means one of its
  // batches arrived, so one of its k sends has completed and its slot is free.
  std::vector<std::vector<std::uint64_t>> slots(static_cast<std::size_t>(workers * k));
  std::vector<MPI_Request> requests(slots.size(), MPI_REQUEST_NULL);
  std::uint64_t sent = 0, done = 0, checksum = 0;

  auto send_batch = [&](int w, int slot) {
    const std::size_t i = static_cast<std::size_t>((w - 1) * k + slot);
    const std::uint64_t n = std::min(c.batch, c.tasks - sent);
    slots[i].assign(n, c.task_ns);
    sent += n;
    MPI_Isend(slots[i].data(), static_cast<int>(n * sizeof(std::uint64_t)), MPI_BYTE, w, kTaskTag, comm,
              &requests[i]);
  };

  const auto start = std::chrono::steady_clock::now();
  for (int slot = 0; slot < k; ++slot)
    for (int w = 1; w <= workers && sent < c.tasks; ++w) send_batch(w, slot);
  std::vector<std::uint64_t> results;
  while (done < c.tasks) {
    MPI_Status status;
    MPI_Probe(MPI_ANY_SOURCE, kResultTag, comm, &status);
    int bytes = 0;
    MPI_Get_count(&status, MPI_BYTE, &bytes);
    results.resize(static_cast<std::size_t>(bytes) / sizeof(std::uint64_t));
    MPI_Recv(results.data(), bytes, MPI_BYTE, status.MPI_SOURCE, kResultTag, comm, MPI_STATUS_IGNORE);
    done += results.size();
    for (std::uint64_t r : results) checksum += r;
    if (sent < c.tasks) {
      const int w = status.MPI_SOURCE;
      int slot = 0;
      MPI_Waitany(k, &requests[static_cast<std::size_t>((w - 1) * k)], &slot, MPI_STATUS_IGNORE);
      if (slot == MPI_UNDEFINED) slot = 0;
      send_batch(w, slot);
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  for (int w = 1; w <= workers; ++w) MPI_Send(nullptr, 0, MPI_BYTE, w, kStopTag, comm);
  return {std::chrono::duration<double>(stop - start).count(), checksum};
}

}  // namespace

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

BusyFarmResult run_busy_farm(const BusyFarmConfig& config) {
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  BusyFarmResult result;
  if (size >= 2) {
    if (rank == 0)
      result = master(comm, size, config);
    else
      worker(comm);
  }
  MPI_Comm_free(&comm);
  return result;
}

}  // namespace bench
