#include <cohort/observe/recorder.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace cohort::observe {

struct Recorder::Impl {
  explicit Impl(Options o) : options(o) { rec.origin_ns = now_ns(); }

  Options options;
  std::mutex mutex;
  Recording rec;
  bool finished = false;
  std::int64_t marked_end = -1;
  std::unordered_map<std::string, std::uint32_t> name_index;
  const char* last_name = nullptr;  // task names are views into long-lived tables:
  std::size_t last_size = 0;        // most events repeat the previous one
  std::uint32_t last_index = 0;
  // Where each attempt's span is. Task ids are dense and grow (the scheduler
  // numbers them), so first attempts index a vector by id; retries, rare, a map.
  std::vector<std::size_t> first_attempt;  // by id: tasks index + 1 (0: none)
  std::unordered_map<std::uint64_t, std::size_t> retry_of;  // key(id, attempt) -> tasks index

  static std::uint64_t key(std::uint64_t id, std::uint32_t attempt) { return (id << 8) ^ (attempt & 0xffu); }

  void index(std::uint64_t id, std::uint32_t attempt, std::size_t at) {
    if (attempt == 0 && id < (std::uint64_t{1} << 40)) {
      if (id >= first_attempt.size()) first_attempt.resize(std::max<std::size_t>(id + 1, first_attempt.size() * 2), 0);
      first_attempt[id] = at + 1;
    } else {
      retry_of[key(id, attempt)] = at;
    }
  }

  std::uint32_t intern(std::string_view name) {
    if (name.data() == last_name && name.size() == last_size) return last_index;
    auto [it, fresh] = name_index.try_emplace(std::string(name), static_cast<std::uint32_t>(rec.names.size()));
    if (fresh) rec.names.emplace_back(name);
    last_name = name.data();
    last_size = name.size();
    last_index = it->second;
    return it->second;
  }

  WorkerInfo& worker(int rank) {
    WorkerInfo& w = rec.workers[rank];
    w.rank = rank;
    return w;
  }

  TaskSpan* span(std::uint64_t id, std::uint32_t attempt) {
    if (attempt == 0 && id < first_attempt.size()) {
      const std::size_t at = first_attempt[id];
      return at == 0 ? nullptr : &rec.tasks[at - 1];
    }
    auto it = retry_of.find(key(id, attempt));
    return it == retry_of.end() ? nullptr : &rec.tasks[it->second];
  }

  void result(const Event& e, TaskSpan::Outcome outcome) {
    ++worker(e.peer).tasks;
    if (!options.keep_tasks) return;
    TaskSpan* s = span(e.id, e.attempt);
    if (s == nullptr) {
      ++rec.dropped_events;
      return;
    }
    s->outcome = outcome;
    s->result_ns = e.time_ns;
    s->bytes_out = e.bytes;
    if (e.start_ns != 0 || e.end_ns != 0) {  // raw worker clock; aligned in finish()
      s->start_ns = e.start_ns;
      s->end_ns = e.end_ns;
    }
    if (!e.text.empty()) rec.errors[static_cast<std::size_t>(s - rec.tasks.data())] = std::string(e.text);
  }

  void on(const Event& e) {
    switch (e.kind) {
      case EventKind::tasks_queued:
        rec.queued += e.count;
        break;
      case EventKind::task_dispatched:
        if (!options.keep_tasks) break;
        index(e.id, e.attempt, rec.tasks.size());
        rec.tasks.push_back(TaskSpan{e.id, e.attempt, intern(e.name), e.peer, -1, e.batch, e.time_ns, -1, -1, -1,
                                     e.bytes, 0, TaskSpan::Outcome::pending});
        break;
      case EventKind::task_started:
        if (!options.keep_tasks) break;
        if (TaskSpan* s = span(e.id, e.attempt)) {
          s->thread = e.thread;
          if (e.time_ns != 0 && s->start_ns < 0) s->start_ns = e.time_ns;
        } else {
          ++rec.dropped_events;
        }
        break;
      case EventKind::task_finished: result(e, TaskSpan::Outcome::ok); break;
      case EventKind::task_failed:
        ++rec.failed;
        result(e, TaskSpan::Outcome::failed);
        break;
      case EventKind::task_retried:
        ++rec.retries;
        result(e, TaskSpan::Outcome::retried);
        break;
      case EventKind::task_batch_sent:
      case EventKind::task_batch_received:
      case EventKind::result_batch_sent:
      case EventKind::result_batch_received:
        if (options.keep_batches) rec.batches.push_back(BatchSpan{e.kind, e.rank, e.peer, e.batch, e.time_ns, e.count, e.bytes});
        break;
      case EventKind::phase_begin:
        rec.phases.push_back(PhaseSpan{std::string(e.name), static_cast<unsigned>(e.id), e.time_ns, -1});
        break;
      case EventKind::phase_end:
        for (auto it = rec.phases.rbegin(); it != rec.phases.rend(); ++it) {
          if (it->end_ns < 0 && it->name == e.name && it->round == e.id) {
            it->end_ns = e.time_ns;
            break;
          }
        }
        break;
      case EventKind::worker_joined: {
        WorkerInfo& w = worker(e.peer);
        w.host = std::string(e.name);
        w.threads = static_cast<std::uint32_t>(e.count);
        w.joined_ns = e.time_ns;
        break;
      }
      case EventKind::worker_stopped: break;
      case EventKind::clock_offset: {
        WorkerInfo& w = worker(e.peer);
        w.clock_offset_ns = e.value;
        w.clock_rtt_ns = static_cast<std::int64_t>(e.count);
        break;
      }
      case EventKind::counters:
        if (options.keep_batches)
          rec.counters.push_back(CounterSample{e.time_ns, e.count, static_cast<std::uint64_t>(e.value)});
        break;
    }
  }
};

Recorder::Recorder() : Recorder(Options{}) {}
Recorder::Recorder(Options options) : impl_(std::make_unique<Impl>(options)) {}
Recorder::~Recorder() = default;

void Recorder::on_event(const Event& event) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->finished) impl_->on(event);
}

void Recorder::mark_begin() {
  std::lock_guard lock(impl_->mutex);
  impl_->rec.begin_ns = now_ns() - impl_->rec.origin_ns;
}

void Recorder::mark_end() {
  std::lock_guard lock(impl_->mutex);
  impl_->marked_end = now_ns() - impl_->rec.origin_ns;
}

Recording Recorder::finish() {
  std::lock_guard lock(impl_->mutex);
  impl_->finished = true;
  Recording r = std::move(impl_->rec);
  const std::int64_t origin = r.origin_ns;
  const bool marked = impl_->marked_end >= 0;
  r.end_ns = marked ? impl_->marked_end : now_ns() - origin;
  auto offset = [&](int rank) -> std::int64_t {
    auto it = r.workers.find(rank);
    return it == r.workers.end() ? 0 : it->second.clock_offset_ns;
  };
  // Rank 0's own times only lose the origin; a worker's also its clock offset.
  for (TaskSpan& t : r.tasks) {
    t.dispatch_ns -= origin;
    if (t.result_ns >= 0) t.result_ns -= origin;
    if (t.start_ns >= 0 && t.end_ns >= t.start_ns) {
      const std::int64_t off = offset(t.rank) + origin;
      t.start_ns -= off;
      t.end_ns -= off;
    } else {
      t.start_ns = t.end_ns = -1;
    }
  }
  for (BatchSpan& b : r.batches) b.time_ns -= origin + (b.rank == 0 ? 0 : offset(b.rank));
  for (CounterSample& c : r.counters) c.time_ns -= origin;
  for (PhaseSpan& p : r.phases) {
    p.begin_ns -= origin;
    p.end_ns = p.end_ns < 0 ? r.end_ns : p.end_ns - origin;
  }
  // Unmarked, the end is now, or the last thing seen if a clock put it later.
  if (!marked) {
    for (const TaskSpan& t : r.tasks) r.end_ns = std::max({r.end_ns, t.end_ns, t.result_ns});
    for (const PhaseSpan& p : r.phases) r.end_ns = std::max(r.end_ns, p.end_ns);
  }
  for (auto& [rank, w] : r.workers) {
    w.joined_ns = w.joined_ns == 0 ? 0 : w.joined_ns - origin;
    r.world_size = std::max(r.world_size, rank + 1);
  }
  return r;
}

}  // namespace cohort::observe
