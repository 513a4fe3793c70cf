// The worker side of the distributed engine: the bodies of the tasks that
// register_tasks() (engine_distributed.cpp) registers. No Boost here.
#include "engine_tasks.hpp"

#include <cohort/cluster/peer.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/codec.hpp>
#include <cohort/mapreduce/split.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <tuple>
#include <utility>

namespace cohort::mapreduce::detail {

[[noreturn]] void io_error(const std::string& message) { throw Error(Errc::io_error, message); }

void write_file(const std::string& path, const std::vector<std::string_view>& parts, bool durable) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_error("cannot create shuffle file '" + path + "': " + std::strerror(errno));
  for (std::string_view part : parts) {
    while (!part.empty()) {
      const ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int e = errno;
        ::close(fd);
        io_error("cannot write shuffle file '" + path + "': " + std::strerror(e));
      }
      part.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  if (durable && ::fdatasync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    io_error("cannot sync shuffle file '" + path + "': " + std::strerror(e));
  }
  if (::close(fd) != 0) io_error("cannot write shuffle file '" + path + "': " + std::strerror(errno));
}

void read_segment(const std::string& path, std::uint64_t offset, std::uint64_t length, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_error("cannot open shuffle file '" + path + "' (is the scratch directory shared by every rank?): " + std::strerror(errno));
  const std::size_t start = out.size();
  out.resize(start + length);
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out.data() + start + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      io_error("shuffle file '" + path + "' is shorter than expected" + (n < 0 ? std::string(": ") + std::strerror(e) : ""));
    }
    done += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
}

ShuffleInbox& shuffle_inbox() {
  static ShuffleInbox inbox;
  return inbox;
}

void begin(WorkerState& w, std::uint64_t id, const std::string& name, const std::string& options,
           const std::string& state) {
  std::unique_lock lock(w.mutex);
  if (w.run_id != id || !w.job) {
    w.job.reset();
    w.run_id = 0;
    std::shared_ptr<Job> job = w.resolver(name);
    if (!job) throw Error(Errc::plugin_error, "no job '" + name + "' on this rank");
    ByteReader r(options);
    OptionValues values;
    for (auto& [k, v] : decode<std::vector<std::pair<std::string, std::string>>>(r)) values.emplace(k, v);
    configure_job(*job, values);
    w.job = std::move(job);
    w.run_id = id;
  }
  if (w.job->iterative()) w.job->set_state(state);
  shuffle_inbox().begin_run(id);
}

namespace {

MapOutput map_one(WorkerState& w, std::uint64_t id, const std::string& split_bytes, std::uint32_t partitions,
                  std::uint64_t& split_index) {
  const std::shared_ptr<Job> job = w.job_for(id);
  ByteReader r(split_bytes);
  const Split split = decode<Split>(r);
  split_index = split.index;
  MapOutput out = job->map_split(split, partitions);
  if (out.partitions.size() != partitions) {
    throw Error(Errc::invalid_state, "job '" + std::string(job->name()) + "': map_split returned " +
                                         std::to_string(out.partitions.size()) + " partitions, expected " +
                                         std::to_string(partitions));
  }
  return out;
}

}  // namespace

std::string map_task(WorkerState& w, std::uint64_t id, const std::string& split_bytes, std::uint32_t partitions,
                     const std::string& scratch, bool durable) {
  std::uint64_t split_index = 0;
  MapOutput out = map_one(w, id, split_bytes, partitions, split_index);
  std::string result;
  ByteWriter wr(result);
  wr.varint(out.records);
  wr.varint(out.keys);
  if (scratch.empty()) {
    wr.varint(0);
    encode(wr, out.partitions);
    return result;
  }
  const std::string path = scratch + std::to_string(split_index) + ".bin";
  std::vector<std::string_view> views(out.partitions.begin(), out.partitions.end());
  write_file(path, views, durable);
  std::vector<std::uint64_t> offsets{0};
  for (const auto& p : out.partitions) offsets.push_back(offsets.back() + p.size());
  wr.varint(1);
  encode(wr, path);
  encode(wr, offsets);
  return result;
}

std::string reduce_task(WorkerState& w, std::uint64_t id, const std::string& segments_bytes, const std::string& part) {
  const std::shared_ptr<Job> job = w.job_for(id);
  ByteReader r(segments_bytes);
  const auto segments = decode<std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>>>(r);
  std::vector<std::string> blocks(segments.size());
  std::vector<std::string_view> views;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& [path, offset, length] = segments[i];
    read_segment(path, offset, length, blocks[i]);
    views.push_back(blocks[i]);
  }
  const ReduceOutput out = job->reduce_partition(views);
  write_file(part, {out.records});
  std::string result;
  ByteWriter wr(result);
  wr.varint(out.keys);
  wr.varint(out.outputs);
  wr.varint(out.records.size());
  return result;
}

std::string map_shuffle_task(WorkerState& w, std::uint64_t id, const std::string& split_bytes,
                             std::uint32_t partitions, std::uint32_t round, const std::string& owners_bytes,
                             std::uint64_t chunk) {
  std::uint64_t split_index = 0;
  MapOutput out = map_one(w, id, split_bytes, partitions, split_index);
  ByteReader r(owners_bytes);
  std::vector<int> owners;
  for (const std::uint64_t o : decode<std::vector<std::uint64_t>>(r)) owners.push_back(static_cast<int>(o));
  const std::vector<std::uint64_t> sizes =
      send_partitions(id, round, split_index, out.partitions, owners, chunk, &shuffle_inbox());
  std::string result;
  ByteWriter wr(result);
  wr.varint(out.records);
  wr.varint(out.keys);
  wr.varint(2);
  encode(wr, sizes);
  return result;
}

std::string reduce_shuffle_task(WorkerState& w, std::uint64_t id, std::uint32_t round, std::uint32_t partition,
                                const std::string& expected_bytes, std::uint64_t wait_ms, std::uint64_t inline_limit) {
  const std::shared_ptr<Job> job = w.job_for(id);
  ByteReader r(expected_bytes);
  const auto expected = decode<std::vector<std::pair<std::uint64_t, std::uint64_t>>>(r);
  std::vector<std::string> blocks = shuffle_inbox().take(id, round, partition, expected,
                                                         std::chrono::milliseconds(static_cast<std::int64_t>(wait_ms)));
  ReduceOutput out;
  {
    std::vector<std::string_view> views(blocks.begin(), blocks.end());
    out = job->reduce_partition(views);
  }
  blocks.clear();
  std::string result;
  ByteWriter wr(result);
  wr.varint(out.keys);
  wr.varint(out.outputs);
  wr.varint(out.records.size());
  if (out.records.size() <= inline_limit) {
    wr.varint(1);
    wr.raw(out.records.data(), out.records.size());
  } else {
    wr.varint(0);
    shuffle_inbox().park(id, round, partition, std::move(out.records));
  }
  return result;
}

void end(WorkerState& w, std::uint64_t id, const std::string& sent, std::uint64_t wait_ms) {
  ByteReader r(sent);
  const auto counts = decode<std::vector<std::uint64_t>>(r);
  const int me = cluster::peer_rank();
  if (me >= 0 && static_cast<std::size_t>(me) < counts.size() && counts[static_cast<std::size_t>(me)] > 0) {
    shuffle_inbox().settle(id, counts[static_cast<std::size_t>(me)],
                           std::chrono::milliseconds(static_cast<std::int64_t>(wait_ms)));
  }
  shuffle_inbox().end_run(id);
  std::unique_lock lock(w.mutex);
  if (w.run_id == id) {
    w.job.reset();
    w.run_id = 0;
  }
}

}  // namespace cohort::mapreduce::detail
