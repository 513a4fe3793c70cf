// The distributed engine: rank 0's side, and the registration of the worker
// tasks (whose bodies are in engine_tasks.cpp). The one translation unit of
// this layer that includes Boost.Serialization (through the executor's and
// registry's templates).

#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/peer.hpp>
#include <cohort/core/cpu.hpp>
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/distributed.hpp>
#include <cohort/mapreduce/journal.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/wire/registry.hpp>

#include <boost/serialization/string.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <tuple>

#include "engine_tasks.hpp"
#include "job_inputs.hpp"
#include "parallel.hpp"
#include "resume.hpp"
#include "shuffle_peers.hpp"

namespace fs = std::filesystem;

namespace cohort::mapreduce {
using detail::io_error;
using detail::read_segment;
namespace {

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

std::string_view to_string(RunConfig::Shuffle shuffle) noexcept {
  switch (shuffle) {
    case RunConfig::Shuffle::automatic: return "automatic";
    case RunConfig::Shuffle::gather: return "gather";
    case RunConfig::Shuffle::files: return "files";
    case RunConfig::Shuffle::mpi: return "mpi";
  }
  return "unknown";
}

void register_tasks(wire::Registry& registry, JobResolver resolver) {
  using namespace detail;
  auto state = std::make_shared<WorkerState>();
  state->resolver = std::move(resolver);
  // (process-wide: the last registration wins, and every one feeds the same inbox)
  cluster::set_peer_handler(detail::kShuffleChannel, [](int source, std::span<const std::byte> payload) {
    shuffle_inbox().put(source, payload);
  });
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
  registry.add(std::string(kMapShuffleTask),
               [state](std::uint64_t id, const std::string& split, std::uint32_t partitions, std::uint32_t round,
                       const std::string& owners, std::uint64_t chunk) {
                 return map_shuffle_task(*state, id, split, partitions, round, owners, chunk);
               });
  registry.add(std::string(kReduceShuffleTask),
               [state](std::uint64_t id, std::uint32_t round, std::uint32_t partition, const std::string& expected,
                       std::uint64_t wait_ms, std::uint64_t inline_limit) {
                 return reduce_shuffle_task(*state, id, round, partition, expected, wait_ms, inline_limit);
               });
  registry.add(std::string(kFetchTask), [](std::uint64_t id, std::uint32_t round, std::uint32_t partition,
                                           std::uint64_t offset, std::uint64_t length) {
    return shuffle_inbox().fetch(id, round, partition, offset, length);
  });
  registry.add(std::string(kEndTask), [state](std::uint64_t id, const std::string& sent, std::uint64_t wait_ms) {
    end(*state, id, sent, wait_ms);
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

// The mpi shuffle's reduce phase: one task per partition on its owner, which
// waits for the blocks `sizes` (by split, then partition) says were sent to
// it; outputs too big for a task result are fetched in pieces.
void reduce_on_owners(cluster::ClusterExecutor& ex, const RunConfig& cfg, std::uint64_t run_id, unsigned round,
                      std::uint32_t partitions, const std::vector<std::vector<std::uint64_t>>& sizes,
                      const std::vector<std::uint64_t>& owners, std::uint64_t chunk_bytes, RunResult& result,
                      std::vector<std::string>& reduced, const std::function<std::string(const Tally&)>& stopped) {
  auto owner = [&](std::uint32_t p) { return static_cast<int>(owners[p % owners.size()]); };
  const auto wait_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(cfg.shuffle_wait.count(), 0));
  std::vector<core::Future<std::string>> futures;
  futures.reserve(partitions);
  for (std::uint32_t p = 0; p < partitions; ++p) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> expected;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i][p] > 0) expected.emplace_back(i, sizes[i][p]);
    }
    std::string bytes;
    ByteWriter w(bytes);
    encode(w, expected);
    futures.push_back(ex.call_on<std::string>(owner(p), kReduceShuffleTask, run_id, static_cast<std::uint32_t>(round),
                                              p, bytes, wait_ms, chunk_bytes));
  }
  std::vector<std::string> results(partitions);
  collect(ex, futures, cfg, nullptr, [&](std::size_t p, std::string&& value) { results[p] = std::move(value); },
          stopped);
  for (std::uint32_t p = 0; p < partitions; ++p) {
    ByteReader r(results[p]);
    result.reduced_keys += r.varint();
    result.output_records += r.varint();
    const std::uint64_t size = r.varint();
    reduced[p].clear();
    if (r.varint() == 1) {
      reduced[p].assign(r.raw(static_cast<std::size_t>(size)));
      continue;
    }
    reduced[p].reserve(static_cast<std::size_t>(size));
    for (std::uint64_t at = 0; at < size; at += chunk_bytes) {  // in order: the last piece frees it
      reduced[p] += ex.call_on<std::string>(owner(p), kFetchTask, run_id, static_cast<std::uint32_t>(round), p, at,
                                            chunk_bytes)
                        .get();
    }
    if (reduced[p].size() != size) {
      throw DecodeError("partition " + std::to_string(p) + "'s output: fetched " + std::to_string(reduced[p].size()) +
                        " bytes of " + std::to_string(size));
    }
  }
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

  const std::vector<InputFile> files = detail::job_inputs(job, cfg, result);

  using Shuffle = RunConfig::Shuffle;
  if (cfg.shuffle == Shuffle::mpi && !cfg.journal.empty()) {
    throw Error(Errc::invalid_argument,
                "the mpi shuffle keeps map outputs in memory, which the journal '" + cfg.journal.string() +
                    "' could not resume from: with a journal use the files shuffle (--shuffle files, or auto)");
  }
  const std::size_t parallelism = static_cast<std::size_t>(ex.workers()) * result.threads;
  detail::Resume resume(job, opts, files, cfg, parallelism, result.threads);
  const std::vector<Split>& splits = resume.plan().splits;
  const std::uint32_t partitions = resume.plan().partitions;
  // Partitions reduced on the workers: through scratch files when a journal
  // must be able to resume from the map outputs (or when asked), else over MPI.
  const Shuffle mode = !resume.plan().shuffle                                ? Shuffle::gather
                       : resume.active() || cfg.shuffle == Shuffle::files ? Shuffle::files
                                                                          : Shuffle::mpi;
  const bool shuffle = mode == Shuffle::files;  // (below: "through files")
  result.splits = splits.size();
  result.shuffled = mode != Shuffle::gather;
  result.shuffle = mode;
  result.partitions = partitions;
  // The mpi shuffle: the worker that reduces partition p is owners[p % W].
  std::vector<std::uint64_t> owners;
  if (ex.size() == 1) owners.push_back(0);
  for (int r = 1; r < ex.size(); ++r) owners.push_back(static_cast<std::uint64_t>(r));
  std::string owners_bytes;
  {
    ByteWriter w(owners_bytes);
    encode(w, owners);
  }
  const std::uint64_t chunk_bytes = std::clamp<std::uint64_t>(cfg.shuffle_chunk_bytes, 1, detail::kMaxShuffleChunk);
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
  // The mpi shuffle: peer messages sent to each rank by the map tasks whose
  // results came back (all rounds), so that a failed run ends with none in flight.
  std::vector<std::uint64_t> sent_to(static_cast<std::size_t>(ex.size()), 0);
  auto count_sent = [&](const std::string& value) {
    ByteReader r(value);
    r.varint();
    r.varint();
    if (r.varint() != 2) return;
    const auto sizes = decode<std::vector<std::uint64_t>>(r);
    for (std::size_t p = 0; p < sizes.size(); ++p) {
      sent_to[static_cast<std::size_t>(owners[p % owners.size()])] += detail::chunk_count(sizes[p], chunk_bytes);
    }
  };
  struct EndRun {  // workers drop their Job object and shuffle data, also after a failure
    cluster::ClusterExecutor& ex;
    std::uint64_t id;
    const std::vector<std::uint64_t>& sent_to;
    std::uint64_t wait_ms;
    ~EndRun() {
      try {
        std::string sent;
        ByteWriter w(sent);
        encode(w, sent_to);
        ex.call_on_workers<void>(kEndTask, id, sent, wait_ms).get();
      } catch (...) {
      }
    }
  } end_run{ex, run_id, sent_to, static_cast<std::uint64_t>(std::max<std::int64_t>(cfg.shuffle_wait.count(), 0))};

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
      std::vector<std::tuple<std::uint64_t, std::string, std::uint32_t, std::uint32_t, std::string, std::uint64_t>>
          shuffle_inputs;
      if (mode == Shuffle::mpi) {
        shuffle_inputs.reserve(todo.size());
        for (const std::size_t i : todo) {
          shuffle_inputs.emplace_back(run_id, resume.plan().encoded[i], partitions, round, owners_bytes, chunk_bytes);
        }
      } else {
        map_inputs.reserve(todo.size());
        for (const std::size_t i : todo) map_inputs.emplace_back(run_id, resume.plan().encoded[i], partitions, prefix, resume.active());
      }
      const std::size_t map_count = todo.size();
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
        std::vector<core::Future<std::string>> futures;
        if (mode == Shuffle::mpi) {
          const std::vector part(shuffle_inputs.begin() + static_cast<std::ptrdiff_t>(from),
                                 shuffle_inputs.begin() + static_cast<std::ptrdiff_t>(to));
          futures = ex.map_unordered<std::string>(kMapShuffleTask, part);
        } else {
          const std::vector part(map_inputs.begin() + static_cast<std::ptrdiff_t>(from),
                                 map_inputs.begin() + static_cast<std::ptrdiff_t>(to));
          futures = ex.map_unordered<std::string>(kMapTask, part);
        }
        collect(
            ex, futures, cfg, resume.writer(),
            [&](std::size_t k, std::string&& value) {
              resume.task_done(round, todo[from + k], value);
              if (mode == Shuffle::mpi) count_sent(value);
              mapped[todo[from + k]] = std::move(value);
            },
            [&](const Tally& t) {
              Tally all = t;
              all.done += done_before;
              return stopped_message(all);
            });
        done_before += to - from;
      };
      std::size_t split_at = map_count;
      // (only in a run that resumed nothing: a requeued job keeps its environment)
      if (hold_budget != kNoHold && result.resumed_tasks == 0 && result.resumed_rounds == 0) {
        split_at = std::min(split_at, hold_budget);
      }
      if (split_at < map_count) {
        run_maps(0, split_at);
        hold_until_stop();
        if (stop_requested()) {
          ex.shutdown(false, true);
          if (resume.writer() != nullptr) resume.writer()->sync();
          throw StoppedEarly(stopped_message(Tally{done_before, 0, 0}), true);
        }
        run_maps(split_at, map_count);
      } else {
        if (hold_budget != kNoHold) hold_budget -= map_count;
        run_maps(0, map_count);
      }
      map_inputs.clear();
      shuffle_inputs.clear();
    }
    progress("map", round, splits.size(), splits.size());

    std::vector<std::vector<std::string>> inline_parts(mapped.size());
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> files_parts(mapped.size());
    std::vector<std::vector<std::uint64_t>> peer_sizes(mode == Shuffle::mpi ? mapped.size() : 0);
    std::uint64_t round_records = 0, round_keys = 0;
    for (std::size_t i = 0; i < mapped.size(); ++i) {
      ByteReader r(mapped[i]);
      round_records += r.varint();
      round_keys += r.varint();
      const std::uint64_t how = r.varint();
      if ((how == 2) != (mode == Shuffle::mpi)) throw DecodeError("map result of another shuffle mode");
      if (how == 0) {
        inline_parts[i] = decode<std::vector<std::string>>(r);
        if (inline_parts[i].size() != partitions) throw DecodeError("map result with the wrong partition count");
      } else if (how == 2) {
        peer_sizes[i] = decode<std::vector<std::uint64_t>>(r);
        if (peer_sizes[i].size() != partitions) throw DecodeError("map result with the wrong partition count");
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
    if (mode == Shuffle::mpi) {
      reduce_on_owners(ex, cfg, run_id, round, partitions, peer_sizes, owners, chunk_bytes, result, reduced,
                       [&](const Tally& t) {
                         return "stopped early in " + round_text(round, job.iterative()) + "reduce phase (" +
                                std::to_string(t.done) + " of " + std::to_string(partitions) +
                                " partitions reduced; all " + std::to_string(splits.size()) + " map tasks done)" +
                                journaled();
                       });
    } else if (!shuffle) {
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
