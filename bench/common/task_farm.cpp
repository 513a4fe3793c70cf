#include "task_farm.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {
namespace {

constexpr int kTaskTag = 1, kResultTag = 2, kStopTag = 3;

std::uint64_t empty_task(std::uint64_t arg) { return arg; }

void worker(MPI_Comm comm, std::uint64_t (*body)(std::uint64_t)) {
  // Through a volatile pointer, so the compiler cannot fold an empty task away.
  std::uint64_t (*volatile task)(std::uint64_t) = body != nullptr ? body : empty_task;
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
    for (std::size_t i = 0; i < args.size(); ++i) results[i] = task(args[i]);
    MPI_Send(results.data(), static_cast<int>(results.size() * sizeof(std::uint64_t)), MPI_BYTE, 0, kResultTag,
             comm);
  }
}

FarmResult master(MPI_Comm comm, int size, const FarmConfig& c) {
  const int workers = size - 1;
  const int k = std::max(1, c.credits);
  // Worker w owns send slots [(w-1)*k, w*k): a result from w means one of its
  // batches arrived, so one of its k sends has completed and its slot is free.
  std::vector<std::vector<std::uint64_t>> slots(static_cast<std::size_t>(workers * k));
  std::vector<MPI_Request> requests(slots.size(), MPI_REQUEST_NULL);
  std::uint64_t next = 0, done = 0, checksum = 0;

  auto send_batch = [&](int w, int slot) {
    const std::size_t i = static_cast<std::size_t>((w - 1) * k + slot);
    const std::uint64_t n = std::min(c.batch, c.tasks - next);
    slots[i].resize(n);
    for (std::uint64_t j = 0; j < n; ++j) slots[i][j] = c.first_arg + (next + j) * c.arg_step;
    next += n;
    MPI_Isend(slots[i].data(), static_cast<int>(n * sizeof(std::uint64_t)), MPI_BYTE, w, kTaskTag, comm,
              &requests[i]);
  };

  const auto start = std::chrono::steady_clock::now();
  for (int slot = 0; slot < k; ++slot)
    for (int w = 1; w <= workers && next < c.tasks; ++w) send_batch(w, slot);
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
    if (next < c.tasks) {
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

FarmResult run_farm(const FarmConfig& config) {
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  FarmResult result;
  if (size >= 2) {
    if (rank == 0)
      result = master(comm, size, config);
    else
      worker(comm, config.body);
  }
  MPI_Comm_free(&comm);
  return result;
}

}  // namespace bench
