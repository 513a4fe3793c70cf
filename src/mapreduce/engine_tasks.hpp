#pragma once
// The worker side of the distributed engine (not installed): the bodies of
// the tasks register_tasks() registers, and the scratch-file helpers rank 0
// shares with them. distributed.hpp tells how a run goes.
//
// Thread safety: the task functions run on pool threads, any number at once;
// WorkerState guards its job with a shared mutex (begin() writes, the others
// read). The shuffle inbox is one per process (shuffle_peers.hpp).

#include <cohort/cluster/peer.hpp>
#include <cohort/mapreduce/distributed.hpp>
#include <cohort/mapreduce/job.hpp>

#include "shuffle_peers.hpp"

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::mapreduce::detail {

[[noreturn]] void io_error(const std::string& message);
/// Writes `parts` to a new file at `path`; `durable`: fdatasync it. Throws Error(io_error).
void write_file(const std::string& path, const std::vector<std::string_view>& parts, bool durable = false);
/// Appends bytes [offset, offset + length) of `path` to `out`. Throws Error(io_error).
void read_segment(const std::string& path, std::uint64_t offset, std::uint64_t length, std::string& out);

/// The process's shuffle inbox: peer messages reach it whichever registry's tasks run.
ShuffleInbox& shuffle_inbox();

struct WorkerState {
  JobResolver resolver;
  std::shared_mutex mutex;
  std::uint64_t run_id = 0;
  std::shared_ptr<Job> job;

  std::shared_ptr<Job> job_for(std::uint64_t id) {
    std::shared_lock lock(mutex);
    if (run_id != id || !job) {
      throw Error(Errc::invalid_state, "mapreduce run " + std::to_string(id) + " was not begun on rank " +
                                           std::to_string(cluster::peer_rank()));
    }
    return job;
  }
};

/// "cohort.mapreduce.begin": creates and configures the run's job (once per
/// run), installs rank 0's state (iterative jobs), opens the inbox to the run.
void begin(WorkerState& w, std::uint64_t id, const std::string& name, const std::string& options,
           const std::string& state);
/// "cohort.mapreduce.map": `scratch` "" returns the partitions (gather), else
/// the path prefix of this round's map files; `durable`: fdatasync them (a
/// journal will vouch for them).
std::string map_task(WorkerState& w, std::uint64_t id, const std::string& split_bytes, std::uint32_t partitions,
                     const std::string& scratch, bool durable);
/// "cohort.mapreduce.reduce": reads its segments of the map files, reduces, writes the part file.
std::string reduce_task(WorkerState& w, std::uint64_t id, const std::string& segments_bytes, const std::string& part);
/// "cohort.mapreduce.map_shuffle": sends partition p to owners[p % owners.size()]
/// and returns the counts and partition sizes (mode 2).
std::string map_shuffle_task(WorkerState& w, std::uint64_t id, const std::string& split_bytes,
                             std::uint32_t partitions, std::uint32_t round, const std::string& owners_bytes,
                             std::uint64_t chunk);
/// "cohort.mapreduce.reduce_shuffle": `expected` lists (split index, block
/// size) of every split with data for the partition, in split order; waits up
/// to `wait_ms` for them. The output goes back inline up to `inline_limit`
/// bytes, else it is parked for rank 0's fetch tasks.
std::string reduce_shuffle_task(WorkerState& w, std::uint64_t id, std::uint32_t round, std::uint32_t partition,
                                const std::string& expected_bytes, std::uint64_t wait_ms, std::uint64_t inline_limit);
/// "cohort.mapreduce.end": waits (up to `wait_ms`) for the peer messages rank
/// 0 knows were sent to this rank (`sent`: a count per rank, encoded), so
/// none is in flight afterwards, then drops the run's job and shuffle data.
void end(WorkerState& w, std::uint64_t id, const std::string& sent, std::uint64_t wait_ms);

}  // namespace cohort::mapreduce::detail
