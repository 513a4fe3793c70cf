// Chrome trace event JSON, written as a stream of text (a million tasks would
// make a JSON DOM several times the size of the file); nlohmann-json only
// escapes strings.
#include <cohort/observe/trace.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <unordered_map>

namespace cohort::observe {
namespace {

constexpr int kLoopTid = 0;
constexpr int kUnknownTid = 9999;   // tasks whose pool thread is not known
constexpr int kPhasesTid = 10000;   // rank 0: the run's phases

int tid_of(int thread) { return thread < 0 ? kUnknownTid : thread + 1; }

std::string quote(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

class Out {
 public:
  explicit Out(std::string& s) : s_(s) {}
  /// Starts an event: `{"ph":"X","pid":..,"tid":..` (comma handling included).
  Out& begin(const char* ph, int pid, int tid) {
    s_ += first_ ? "\n" : ",\n";
    first_ = false;
    s_ += "{\"ph\":\"";
    s_ += ph;
    s_ += "\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid);
    return *this;
  }
  Out& ts(const char* key, std::int64_t ns) {
    char b[48];
    std::snprintf(b, sizeof b, ",\"%s\":%.3f", key, static_cast<double>(ns) / 1e3);
    s_ += b;
    return *this;
  }
  Out& raw(std::string_view key, std::string_view json) {
    s_ += ",\"";
    s_ += key;
    s_ += "\":";
    s_ += json;
    return *this;
  }
  Out& str(std::string_view key, std::string_view v) { return raw(key, quote(v)); }
  Out& num(std::string_view key, std::uint64_t v) { return raw(key, std::to_string(v)); }
  void end() { s_ += "}"; }

 private:
  std::string& s_;
  bool first_ = true;
};

const char* outcome(TaskSpan::Outcome o) {
  switch (o) {
    case TaskSpan::Outcome::ok: return "ok";
    case TaskSpan::Outcome::failed: return "failed";
    case TaskSpan::Outcome::retried: return "retried";
    case TaskSpan::Outcome::pending: return "pending";
  }
  return "?";
}

}  // namespace

std::string trace_json(const Recording& r) {
  std::string s;
  s.reserve(256 + r.tasks.size() * 260 + r.batches.size() * 160);
  s += "{\"displayTimeUnit\":\"ms\",\"otherData\":{";
  s += "\"generator\":\"cohort\",\"job\":" + quote(r.job) + ",\"ranks\":" + std::to_string(r.world_size) +
       ",\"tasks\":" + std::to_string(r.queued) + ",\"attempts\":" + std::to_string(r.tasks.size()) +
       ",\"failed\":" + std::to_string(r.failed) + ",\"retries\":" + std::to_string(r.retries) + "},";
  s += "\"traceEvents\":[";
  Out o(s);

  // Which threads each rank shows: its pool (as announced) and any seen in tasks.
  std::unordered_map<int, std::set<int>> threads;
  const bool alone = r.world_size <= 1;
  threads[0].insert(kLoopTid);
  for (const auto& [rank, w] : r.workers) {
    threads[rank].insert(kLoopTid);
    for (std::uint32_t t = 0; t < w.threads; ++t) threads[rank].insert(tid_of(static_cast<int>(t)));
  }
  for (const TaskSpan& t : r.tasks) threads[t.rank].insert(tid_of(t.thread));
  if (!r.phases.empty()) threads[0].insert(kPhasesTid);

  for (const auto& [rank, tids] : threads) {
    std::string pname = "rank " + std::to_string(rank);
    auto w = r.workers.find(rank);
    const std::string host = w != r.workers.end() && !w->second.host.empty() ? "@" + w->second.host : "";
    if (rank == 0) pname += alone ? " (scheduler, worker" + host + ")" : " (scheduler)";
    else pname += " (worker" + host + ")";
    o.begin("M", rank, 0).str("name", "process_name").raw("args", "{\"name\":" + quote(pname) + "}").end();
    o.begin("M", rank, 0).str("name", "process_sort_index").raw("args", "{\"sort_index\":" + std::to_string(rank) + "}").end();
    for (int tid : tids) {
      const std::string tname = tid == kLoopTid      ? std::string("loop thread")
                                : tid == kPhasesTid  ? std::string("phases")
                                : tid == kUnknownTid ? std::string("pool (thread not known)")
                                                     : "pool thread " + std::to_string(tid - 1);
      o.begin("M", rank, tid).str("name", "thread_name").raw("args", "{\"name\":" + quote(tname) + "}").end();
      o.begin("M", rank, tid).str("name", "thread_sort_index").raw("args", "{\"sort_index\":" + std::to_string(tid) + "}").end();
    }
  }

  // Tasks, and the first task of each batch (where its flow arrow lands).
  std::unordered_map<std::uint64_t, std::size_t> first_of_batch;
  for (std::size_t i = 0; i < r.tasks.size(); ++i) {
    const TaskSpan& t = r.tasks[i];
    const bool timed = t.start_ns >= 0;
    const std::int64_t start = timed ? t.start_ns : t.dispatch_ns;
    const std::int64_t end = timed ? t.end_ns : std::max(t.result_ns, t.dispatch_ns);
    auto [it, fresh] = first_of_batch.try_emplace(t.batch, i);
    if (!fresh && start < (r.tasks[it->second].start_ns >= 0 ? r.tasks[it->second].start_ns : r.tasks[it->second].dispatch_ns))
      it->second = i;
    o.begin("X", t.rank, tid_of(t.thread)).ts("ts", start).ts("dur", std::max<std::int64_t>(end - start, 0));
    o.str("name", t.name < r.names.size() ? r.names[t.name] : "?").str("cat", "task");
    std::string args = "{\"id\":" + std::to_string(t.id) + ",\"attempt\":" + std::to_string(t.attempt) +
                       ",\"batch\":" + std::to_string(t.batch) + ",\"bytes_in\":" + std::to_string(t.bytes_in) +
                       ",\"bytes_out\":" + std::to_string(t.bytes_out) + ",\"outcome\":\"" + outcome(t.outcome) +
                       "\"";
    if (!timed) args += ",\"timed\":false";
    if (auto err = r.errors.find(i); err != r.errors.end()) args += ",\"error\":" + quote(err->second);
    o.raw("args", args + "}").end();
  }

  for (const BatchSpan& b : r.batches) {
    switch (b.kind) {
      case EventKind::task_batch_sent: {
        o.begin("X", b.rank, kLoopTid).ts("ts", b.time_ns).ts("dur", 1000);
        o.str("name", "dispatch").str("cat", "batch");
        o.raw("args", "{\"batch\":" + std::to_string(b.batch) + ",\"to\":" + std::to_string(b.peer) +
                          ",\"tasks\":" + std::to_string(b.count) + ",\"bytes\":" + std::to_string(b.bytes) + "}");
        o.end();
        auto it = first_of_batch.find(b.batch);
        if (it == first_of_batch.end()) break;
        const TaskSpan& t = r.tasks[it->second];
        o.begin("s", b.rank, kLoopTid).ts("ts", b.time_ns).str("name", "batch").str("cat", "batch").num("id", b.batch).end();
        o.begin("f", t.rank, tid_of(t.thread)).ts("ts", t.start_ns >= 0 ? t.start_ns : t.dispatch_ns);
        o.str("name", "batch").str("cat", "batch").num("id", b.batch).str("bp", "e").end();
        break;
      }
      case EventKind::task_batch_received:
      case EventKind::result_batch_sent:
      case EventKind::result_batch_received: {
        const char* name = b.kind == EventKind::task_batch_received ? "tasks received"
                           : b.kind == EventKind::result_batch_sent ? "results sent"
                                                                    : "results received";
        o.begin("i", b.rank, kLoopTid).ts("ts", b.time_ns).str("name", name).str("cat", "batch").str("s", "t");
        o.raw("args", "{\"batch\":" + std::to_string(b.batch) + ",\"peer\":" + std::to_string(b.peer) +
                          ",\"count\":" + std::to_string(b.count) + ",\"bytes\":" + std::to_string(b.bytes) + "}");
        o.end();
        break;
      }
      default: break;
    }
  }

  for (const CounterSample& c : r.counters) {
    o.begin("C", 0, kLoopTid).ts("ts", c.time_ns).str("name", "tasks queued").raw("args", "{\"queued\":" + std::to_string(c.queued) + "}").end();
    o.begin("C", 0, kLoopTid).ts("ts", c.time_ns).str("name", "tasks in flight").raw("args", "{\"in flight\":" + std::to_string(c.inflight) + "}").end();
  }

  for (const PhaseSpan& p : r.phases) {
    o.begin("X", 0, kPhasesTid).ts("ts", p.begin_ns).ts("dur", std::max<std::int64_t>(p.end_ns - p.begin_ns, 0));
    o.str("name", p.name).str("cat", "phase").raw("args", "{\"round\":" + std::to_string(p.round) + "}").end();
  }
  s += "\n]}\n";
  return s;
}

void write_trace(const Recording& recording, const std::filesystem::path& path) {
  write_file_atomically(path, trace_json(recording));
}

}  // namespace cohort::observe
