// The distributed engine: map/reduce tasks on a ClusterExecutor's workers.
// The one translation unit of this layer that includes Boost.Serialization
// (through the executor's and registry's templates).

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/core/cpu.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/distributed.hpp>
#include <cohort/mapreduce/journal.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/wire/registry.hpp>

#include <boost/serialization/string.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <thread>
#include <tuple>

#include "parallel.hpp"
#include "resume.hpp"

namespace fs = std::filesystem;

namespace cohort::mapreduce {
namespace {

[[noreturn]] void io_error(const std::string& message) { throw Error(Errc::io_error, message); }

void write_file(const std::string& path, const std::vector<std::string_view>& parts, bool durable = false) {
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

// Appends bytes [offset, offset + length) of `path` to `out`.
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

// --- worker side -------------------------------------------------------------

struct WorkerState {
  JobResolver resolver;
  std::shared_mutex mutex;
  std::uint64_t run_id = 0;
  std::shared_ptr<Job> job;

  std::shared_ptr<Job> job_for(std::uint64_t id) {
    std::shared_lock lock(mutex);
    if (run_id != id || !job) {
      throw Error(Errc::invalid_state, "mapreduce run " + std::to_string(id) + " was not begun on this rank");
    }
    return job;
  }
};

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
}

// `scratch`: "" to return the partitions, else the path prefix of this
// round's map files; `durable`: fdatasync them (a journal will vouch for them).
std::string map_task(WorkerState& w, std::uint64_t id, const std::string& split_bytes, std::uint32_t partitions,
                     const std::string& scratch, bool durable) {
  const std::shared_ptr<Job> job = w.job_for(id);
  ByteReader r(split_bytes);
  const Split split = decode<Split>(r);
  MapOutput out = job->map_split(split, partitions);
  if (out.partitions.size() != partitions) {
    throw Error(Errc::invalid_state, "job '" + std::string(job->name()) + "': map_split returned " +
                                         std::to_string(out.partitions.size()) + " partitions, expected " +
                                         std::to_string(partitions));
  }
  std::string result;
  ByteWriter wr(result);
  wr.varint(out.records);
  wr.varint(out.keys);
  if (scratch.empty()) {
    wr.varint(0);
    encode(wr, out.partitions);
    return result;
  }
  const std::string path = scratch + std::to_string(split.index) + ".bin";
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

// --- rank 0 ------------------------------------------------------------------

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Removes the scratch directory however the run ends (unless a journal
// vouches for its files: then only after success).
struct ScratchDir {
  fs::path path;
  bool keep = false;
  ~ScratchDir() {
    if (!path.empty() && !keep) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
};

}  // namespace

JobResolver plugin_resolver(plugin::PluginPath path) {
  return [path = std::move(path)](std::string_view name) -> std::shared_ptr<Job> {
    auto handle = std::make_shared<JobHandle>(load_job(name, path));
    Job* job = handle->get();
    return std::shared_ptr<Job>(std::move(handle), job);
  };
}

void register_tasks(wire::Registry& registry, JobResolver resolver) {
  auto state = std::make_shared<WorkerState>();
  state->resolver = std::move(resolver);
  registry.add(std::string(kBeginTask), [state](std::uint64_t id, const std::string& name, const std::string& options,
                                                const std::string& job_state) {
    begin(*state, id, name, options, job_state);
  });
  registry.add(std::string(kMapTask), [state](std::uint64_t id, const std::string& split, std::uint32_t partitions,
                                              const std::string& scratch, bool durable) {
    return map_task(*state, id, split, partitions, scratch, durable);
  });
  registry.add(std::string(kReduceTask), [state](std::uint64_t id, const std::string& segments, const std::string& part) {
    return reduce_task(*state, id, segments, part);
  });
  registry.add(std::string(kEndTask), [state](std::uint64_t id) {
    std::unique_lock lock(state->mutex);
    if (state->run_id == id) {
      state->job.reset();
      state->run_id = 0;
    }
  });
}

namespace {

// Task results arriving on the runtime's loop thread, handed to the engine's thread.
struct Arrivals {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::size_t> ready;
};

// What collect() tells StoppedEarly's message.
struct Tally {
  std::size_t done = 0, cancelled = 0, running = 0;
};

// Waits for `futures`, handing each value to on_value(k, value) on this
// thread as it arrives and syncing the journal when due. A stop request
// (cfg.stop_requested) cancels what is not dispatched yet (the executor is
// shut down), waits up to cfg.drain_timeout for the rest, syncs the journal
// and throws StoppedEarly with stopped(tally)'s message. Otherwise, once all
// are done, rethrows the failure of the first failed task (by position).
void collect(cluster::ClusterExecutor& ex, std::vector<core::Future<std::string>>& futures, const RunConfig& cfg,
             JournalWriter* journal, const std::function<void(std::size_t, std::string&&)>& on_value,
             const std::function<std::string(const Tally&)>& stopped) {
  using Clock = std::chrono::steady_clock;
  auto arrivals = std::make_shared<Arrivals>();
  for (std::size_t k = 0; k < futures.size(); ++k) {
    futures[k].add_done_callback([arrivals, k] {
      std::lock_guard lock(arrivals->mutex);
      arrivals->ready.push_back(k);
      arrivals->cv.notify_one();
    });
  }
  Tally tally;
  std::size_t left = futures.size();
  std::size_t first_failed = futures.size();
  std::exception_ptr failure;
  bool stopping = false;
  Clock::time_point deadline{};
  std::vector<std::size_t> batch;
  while (left > 0) {
    {
      std::unique_lock lock(arrivals->mutex);
      arrivals->cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return !arrivals->ready.empty(); });
      batch.swap(arrivals->ready);
    }
    for (const std::size_t k : batch) {
      --left;
      if (futures[k].cancelled()) {
        ++tally.cancelled;
        continue;
      }
      std::string value;
      try {
        value = futures[k].get();
      } catch (...) {
        if (k < first_failed) {
          first_failed = k;
          failure = std::current_exception();
        }
        continue;
      }
      ++tally.done;
      on_value(k, std::move(value));
    }
    batch.clear();
    if (journal != nullptr) journal->sync_if_due();
    if (!stopping && left > 0 && cfg.stop_requested && cfg.stop_requested()) {
      stopping = true;
      deadline = Clock::now() + cfg.drain_timeout;
      ex.shutdown(/*wait=*/false, /*cancel_pending=*/true);
    }
    if (stopping && left > 0 && Clock::now() >= deadline) break;
  }
  if (stopping) {
    if (journal != nullptr) journal->sync();
    tally.running = left;
    throw StoppedEarly(stopped(tally), left == 0);
  }
  if (failure) std::rethrow_exception(failure);
}

std::string round_text(unsigned round, bool iterative) {
  return iterative ? "round " + std::to_string(round + 1) + "'s " : "the ";
}

}  // namespace

RunResult run_distributed(cluster::ClusterExecutor& ex, Job& job, const RunConfig& cfg) {
  if (!ex.is_root()) {
    throw Error(Errc::invalid_state, "run_distributed() called on rank " + std::to_string(ex.rank()) +
                                         ": only rank 0 runs jobs, the other ranks call serve()");
  }
  const auto t0 = std::chrono::steady_clock::now();
  check_output_path(cfg.output);
  const Options opts = configure_job(job, cfg.options);

  RunResult result;
  result.output = cfg.output;
  result.threads = cfg.threads != 0 ? cfg.threads : core::default_thread_count();
  result.workers = ex.workers();

  std::vector<InputFile> files;
  if (job.input_kind() == InputKind::files) {
    files = collect_inputs(cfg.inputs);
  } else if (!cfg.inputs.empty()) {
    throw Error(Errc::invalid_argument, "job '" + std::string(job.name()) + "' computes its data and takes no --input");
  }
  result.input_files = files.size();
  for (const auto& f : files) result.input_bytes += f.size;

  const std::size_t parallelism = static_cast<std::size_t>(ex.workers()) * result.threads;
  detail::Resume resume(job, opts, files, cfg, parallelism, result.threads);
  const std::vector<Split>& splits = resume.plan().splits;
  const std::uint32_t partitions = resume.plan().partitions;
  const bool shuffle = resume.plan().shuffle;
  result.splits = splits.size();
  result.shuffled = shuffle;
  result.partitions = partitions;
  const std::string journal_text = cfg.journal.empty() ? "" : "'" + cfg.journal.string() + "'";

  const std::uint64_t run_id = std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                               static_cast<std::uint64_t>(t0.time_since_epoch().count());
  ScratchDir scratch;
  if (shuffle) {
    // With a journal the map files must outlive this process: a fixed place
    // beside the journal, removed only once the run succeeds.
    fs::path dir;
    if (resume.active()) {
      dir = cfg.scratch_dir.empty() ? fs::path(cfg.journal.string() + ".shuffle")
                                    : cfg.scratch_dir / (cfg.journal.filename().string() + ".shuffle");
      scratch.keep = true;
    } else {
      const fs::path base = cfg.scratch_dir.empty()
                                ? (cfg.output.parent_path().empty() ? fs::path(".") : cfg.output.parent_path())
                                : cfg.scratch_dir;
      dir = base / (cfg.scratch_dir.empty() ? "." + cfg.output.filename().string() + ".cohort-shuffle-" + hex(run_id)
                                            : "cohort-shuffle-" + hex(run_id));
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) io_error("cannot create the shuffle directory '" + dir.string() + "': " + ec.message());
    scratch.path = dir;
  }

  std::string options;
  {
    ByteWriter w(options);
    std::vector<std::pair<std::string, std::string>> v(opts.values().begin(), opts.values().end());
    encode(w, v);
  }
  auto progress = [&](std::string_view phase, unsigned round, std::uint64_t done, std::uint64_t total) {
    if (cfg.on_progress) cfg.on_progress(Progress{phase, round, done, total});
  };
  auto stop_requested = [&] { return cfg.stop_requested && cfg.stop_requested(); };
  auto journaled = [&] {
    return resume.active() ? "; what finished is journaled in " + journal_text + ": rerun the same command to resume"
                           : "; no --journal: a rerun starts over";
  };

  std::unique_ptr<core::ThreadPool> pool;  // rank 0's reduce pool (gather mode)
  std::vector<std::string> reduced(partitions);
  std::vector<std::string_view> outputs(partitions);
  struct EndRun {  // workers drop their Job object, also after a failure
    cluster::ClusterExecutor& ex;
    std::uint64_t id;
    ~EndRun() {
      try {
        ex.call_on_workers<void>(kEndTask, id).get();
      } catch (...) {
      }
    }
  } end_run{ex, run_id};

  // Rounds an earlier run finished (iterative jobs): replay advance() on their outputs.
  unsigned first_round = 0;
  bool finished = false;
  for (const std::string& record : resume.take_rounds()) {
    ByteReader r(record);
    result.map_records += r.varint();
    result.combined_keys += r.varint();
    result.reduced_keys = r.varint();
    result.output_records = r.varint();
    reduced = decode<std::vector<std::string>>(r);
    if (reduced.size() != partitions) throw DecodeError("journal " + journal_text + ": a round with the wrong partition count");
    for (std::uint32_t p = 0; p < partitions; ++p) outputs[p] = reduced[p];
    result.rounds = ++first_round;
    ++result.resumed_rounds;
    if (!job.iterative() || !job.advance(outputs)) {
      finished = true;
      break;
    }
  }

  // Test hook, COHORT_TEST_HOLD_AFTER=K: after K map tasks of this run (all
  // rounds), dispatch nothing more until a stop is requested (or 60 s pass).
  // Tests that interrupt a run then stop it at a known point, however fast
  // the machine: without it a small job may finish before the signal lands.
  constexpr std::size_t kNoHold = static_cast<std::size_t>(-1);
  std::size_t hold_budget = kNoHold;  // (not std::optional: GCC 12 -O2 warns falsely)
  if (const char* h = std::getenv("COHORT_TEST_HOLD_AFTER"); h != nullptr && *h != '\0') {
    hold_budget = static_cast<std::size_t>(std::strtoull(h, nullptr, 10));
  }
  const std::size_t hold_after = hold_budget == kNoHold ? 0 : hold_budget;
  auto hold_until_stop = [&] {
    std::fprintf(stderr, "cohort: test hold: %zu map task(s) done; waiting for a stop signal\n", hold_after);
    std::fflush(stderr);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // test-only wait on a signal flag
    }
    hold_budget = kNoHold;
  };

  for (unsigned round = first_round; !finished; ++round) {
    if (stop_requested()) {
      ex.shutdown(false, true);
      if (resume.writer() != nullptr) resume.writer()->sync();
      throw StoppedEarly("stopped early before " + round_text(round, job.iterative()) + "map phase" + journaled(), true);
    }
    ex.call_on_workers<void>(kBeginTask, run_id, std::string(job.name()), options, job.state()).get();

    // Map: the splits the journal does not have (a map file it vouches for must still be there).
    const std::string prefix = shuffle ? (scratch.path / ("map-" + std::to_string(round) + "-")).string() : "";
    std::vector<std::string> mapped(splits.size());
    std::vector<std::size_t> todo;
    std::uint64_t resumed = 0;
    for (std::size_t i = 0; i < splits.size(); ++i) {
      std::optional<std::string> done = resume.take_task(round, i);
      if (done && shuffle) {
        ByteReader r(*done);
        r.varint();
        r.varint();
        const bool in_file = r.varint() == 1;
        const std::string path = in_file ? decode<std::string>(r) : "";
        const auto offsets = in_file ? decode<std::vector<std::uint64_t>>(r) : std::vector<std::uint64_t>{};
        std::error_code ec;
        if (!in_file || offsets.empty() || fs::file_size(path, ec) != offsets.back() || ec) done.reset();
      }
      if (done) {
        mapped[i] = std::move(*done);
        ++resumed;
      } else {
        todo.push_back(i);
      }
    }
    result.resumed_tasks += resumed;
    progress("map", round, 0, splits.size());  // the phase begins (for progress bars and traces)
    {
      std::vector<std::tuple<std::uint64_t, std::string, std::uint32_t, std::string, bool>> map_inputs;
      map_inputs.reserve(todo.size());
      for (const std::size_t i : todo) map_inputs.emplace_back(run_id, resume.plan().encoded[i], partitions, prefix, resume.active());
      auto stopped_message = [&](const Tally& t) {
            std::string m = "stopped early in " + round_text(round, job.iterative()) + "map phase: " +
                            std::to_string(resumed + t.done) + " of " + std::to_string(splits.size()) + " map tasks done";
            if (resumed > 0) m += " (" + std::to_string(resumed) + " from the journal)";
            if (t.running > 0) {
              char drain[32];
              std::snprintf(drain, sizeof drain, "%g", static_cast<double>(cfg.drain_timeout.count()) / 1000.0);
              m += "; " + std::to_string(t.running) + " not back within the drain timeout of " + drain + " s";
            }
            return m + journaled();
      };
      // Runs map_inputs[from, to): their values land at todo[from + k].
      std::size_t done_before = 0;
      auto run_maps = [&](std::size_t from, std::size_t to) {
        std::vector<std::tuple<std::uint64_t, std::string, std::uint32_t, std::string, bool>> part(
            map_inputs.begin() + static_cast<std::ptrdiff_t>(from), map_inputs.begin() + static_cast<std::ptrdiff_t>(to));
        std::vector<core::Future<std::string>> futures = ex.map_unordered<std::string>(kMapTask, part);
        part.clear();
        collect(
            ex, futures, cfg, resume.writer(),
            [&](std::size_t k, std::string&& value) {
              resume.task_done(round, todo[from + k], value);
              mapped[todo[from + k]] = std::move(value);
            },
            [&](const Tally& t) {
              Tally all = t;
              all.done += done_before;
              return stopped_message(all);
            });
        done_before += to - from;
      };
      std::size_t split_at = map_inputs.size();
      // (only in a run that resumed nothing: a requeued job keeps its environment)
      if (hold_budget != kNoHold && result.resumed_tasks == 0 && result.resumed_rounds == 0) {
        split_at = std::min(split_at, hold_budget);
      }
      if (split_at < map_inputs.size()) {
        run_maps(0, split_at);
        hold_until_stop();
        if (stop_requested()) {
          ex.shutdown(false, true);
          if (resume.writer() != nullptr) resume.writer()->sync();
          throw StoppedEarly(stopped_message(Tally{done_before, 0, 0}), true);
        }
        run_maps(split_at, map_inputs.size());
      } else {
        if (hold_budget != kNoHold) hold_budget -= map_inputs.size();
        run_maps(0, map_inputs.size());
      }
      map_inputs.clear();
    }
    progress("map", round, splits.size(), splits.size());

    std::vector<std::vector<std::string>> inline_parts(mapped.size());
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> files_parts(mapped.size());
    std::uint64_t round_records = 0, round_keys = 0;
    for (std::size_t i = 0; i < mapped.size(); ++i) {
      ByteReader r(mapped[i]);
      round_records += r.varint();
      round_keys += r.varint();
      if (r.varint() == 0) {
        inline_parts[i] = decode<std::vector<std::string>>(r);
        if (inline_parts[i].size() != partitions) throw DecodeError("map result with the wrong partition count");
      } else {
        files_parts[i].first = decode<std::string>(r);
        files_parts[i].second = decode<std::vector<std::uint64_t>>(r);
        if (files_parts[i].second.size() != partitions + 1u) throw DecodeError("map result with the wrong partition count");
      }
    }
    mapped.clear();
    result.map_records += round_records;
    result.combined_keys += round_keys;

    result.reduced_keys = 0;
    result.output_records = 0;
    progress("reduce", round, 0, partitions);  // the phase begins
    if (!shuffle) {
      if (!pool) pool = std::make_unique<core::ThreadPool>(cfg.threads);
      std::vector<ReduceOutput> outs(partitions);
      detail::parallel_for(*pool, partitions, [&](std::size_t p) {
        std::vector<std::string_view> blocks;
        for (const auto& parts : inline_parts) {
          if (!parts[p].empty()) blocks.push_back(parts[p]);
        }
        outs[p] = job.reduce_partition(blocks);
      });
      for (std::uint32_t p = 0; p < partitions; ++p) {
        result.reduced_keys += outs[p].keys;
        result.output_records += outs[p].outputs;
        reduced[p] = std::move(outs[p].records);
      }
    } else {
      std::vector<std::tuple<std::uint64_t, std::string, std::string>> reduce_inputs;
      std::vector<std::string> part_paths(partitions);
      for (std::uint32_t p = 0; p < partitions; ++p) {
        std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> segments;
        for (const auto& [path, offsets] : files_parts) {
          if (offsets[p + 1] > offsets[p]) segments.emplace_back(path, offsets[p], offsets[p + 1] - offsets[p]);
        }
        std::string seg;
        ByteWriter w(seg);
        encode(w, segments);
        part_paths[p] = (scratch.path / ("part-" + std::to_string(round) + "-" + std::to_string(p) + ".bin")).string();
        reduce_inputs.emplace_back(run_id, std::move(seg), part_paths[p]);
      }
      std::vector<core::Future<std::string>> futures = ex.map_unordered<std::string>(kReduceTask, reduce_inputs);
      std::vector<std::string> reduce_results(partitions);
      collect(
          ex, futures, cfg, nullptr, [&](std::size_t p, std::string&& value) { reduce_results[p] = std::move(value); },
          [&](const Tally& t) {
            return "stopped early in " + round_text(round, job.iterative()) + "reduce phase (" + std::to_string(t.done) +
                   " of " + std::to_string(partitions) + " partitions reduced; all " + std::to_string(splits.size()) +
                   " map tasks done)" + journaled();
          });
      for (std::uint32_t p = 0; p < partitions; ++p) {
        ByteReader r(reduce_results[p]);
        result.reduced_keys += r.varint();
        result.output_records += r.varint();
        const std::uint64_t size = r.varint();
        reduced[p].clear();
        read_segment(part_paths[p], 0, size, reduced[p]);
        std::error_code ec;
        fs::remove(part_paths[p], ec);
      }
    }
    progress("reduce", round, partitions, partitions);
    for (std::uint32_t p = 0; p < partitions; ++p) outputs[p] = reduced[p];
    result.rounds = round + 1;
    if (job.iterative() && resume.active()) {
      std::string record;
      ByteWriter w(record);
      w.varint(round_records);
      w.varint(round_keys);
      w.varint(result.reduced_keys);
      w.varint(result.output_records);
      encode(w, reduced);
      resume.round_done(round, record);
    }
    if (shuffle) {  // the round is over (and journaled): its map files are no longer needed
      for (const auto& [path, offsets] : files_parts) {
        std::error_code ec;
        fs::remove(path, ec);
      }
    }
    if (!job.iterative() || !job.advance(outputs)) break;
  }

  progress("write", result.rounds - 1, 0, 1);
  AtomicFile out(cfg.output);
  job.write_output(outputs, out);
  out.commit();
  resume.finish();
  scratch.keep = false;
  progress("write", result.rounds - 1, 1, 1);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace cohort::mapreduce
