#include "run_observe.hpp"

#include "commands.hpp"

#include <cohort/core/error.hpp>
#include <cohort/observe/event_log.hpp>
#include <cohort/observe/progress.hpp>
#include <cohort/observe/recorder.hpp>
#include <cohort/observe/report.hpp>
#include <cohort/observe/stats.hpp>
#include <cohort/observe/trace.hpp>

#include <iostream>
#include <mutex>
#include <optional>

namespace cohort::cli {

namespace {

observe::ProgressOptions::Mode progress_mode(const ObserveOptions& o, bool root) {
  using Mode = observe::ProgressOptions::Mode;
  if (!root || o.quiet || o.progress == "off") return Mode::off;
  if (o.progress == "bar") return Mode::bar;
  if (o.progress == "lines") return Mode::lines;
  return Mode::automatic;
}

}  // namespace

struct RunObserver::Impl {
  Impl(const ObserveOptions& o, bool r)
      : options(o),
        root(r),
        detailed(!o.trace.empty() || !o.report.empty()),
        recorder(observe::Recorder::Options{.keep_tasks = true, .keep_batches = !o.trace.empty()}) {
    fanout.add(recorder);
    fanout.add(logger);
    const auto mode = progress_mode(o, r);
    if (mode != observe::ProgressOptions::Mode::off) {
      bar.emplace(observe::ProgressOptions{.mode = mode, .autostart = false});
      fanout.add(*bar);
    }
  }

  ObserveOptions options;
  bool root;
  bool detailed;  // trace or report: the workers' own records are needed
  observe::Recorder recorder;
  observe::EventLogger logger;
  std::optional<observe::ProgressBar> bar;
  observe::Fanout fanout;

  bool paths_ok = false;  // check_paths() passed: the files may be written
  std::mutex mutex;       // the phase state (progress may come from several threads)

  // Phases from the job's progress: a phase is reported when it is done (and
  // "write" also when it starts), so one begins where the previous ended.
  std::string phase;
  unsigned round = 0;
  bool open = false;
  std::int64_t boundary = 0;

  void emit(observe::EventKind kind, const std::string& name, unsigned r, std::int64_t t) {
    observe::Event e;
    e.kind = kind;
    e.name = name;
    e.id = r;
    e.time_ns = t;
    fanout.on_event(e);
  }
};

RunObserver::RunObserver(const ObserveOptions& options, bool root) : impl_(std::make_unique<Impl>(options, root)) {}

RunObserver::~RunObserver() { stop_progress(); }

void RunObserver::configure(cluster::ClusterOptions& o) {
  o.observer = &impl_->fanout;
  o.record_task_times = true;  // a few clock reads per task: map tasks are large
  o.collect_worker_events = impl_->detailed;
}

void RunObserver::check_paths() const {
  for (const auto* p : {&impl_->options.trace, &impl_->options.report, &impl_->options.stats})
    if (!p->empty()) mapreduce::check_output_path(*p);
  impl_->paths_ok = true;
}

void RunObserver::start() {
  Impl& m = *impl_;
  m.boundary = observe::now_ns();
  m.recorder.mark_begin();
  if (m.bar) m.bar->start();
}

void RunObserver::on_progress(const mapreduce::Progress& p) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  const std::int64_t now = observe::now_ns();
  const std::string name(p.phase);
  if (m.open && (m.phase != name || m.round != p.round)) {
    m.emit(observe::EventKind::phase_end, m.phase, m.round, now);
    m.open = false;
    m.boundary = now;
  }
  if (!m.open) {
    // Reported at its start (done == 0), or only when done: then it began where the last one ended.
    m.emit(observe::EventKind::phase_begin, name, p.round, p.done == 0 ? now : m.boundary);
    m.phase = name;
    m.round = p.round;
    m.open = true;
  }
  if (p.total > 0 && p.done >= p.total) {
    m.emit(observe::EventKind::phase_end, name, p.round, now);
    m.open = false;
    m.boundary = now;
  }
}

void RunObserver::stop_progress() {
  if (impl_->bar) impl_->bar->stop();
}

void RunObserver::end() {
  impl_->recorder.mark_end();
  stop_progress();
}

int RunObserver::finish(const std::string& job) {
  Impl& m = *impl_;
  stop_progress();
  observe::Recording r = m.recorder.finish();
  r.job = job;
  const observe::RunStats stats = observe::compute_stats(r);
  // A run that never got to its tasks (a bad option, a missing input) has
  // nothing to sum up: its error message says it all.
  if (!m.options.quiet && stats.tasks > 0) std::cerr << observe::format_summary(stats) << std::flush;
  int rc = status::kOk;
  auto write = [&](const std::filesystem::path& path, const char* what, auto&& fn) {
    if (path.empty() || !m.paths_ok) return;
    try {
      fn();
    } catch (const std::exception& e) {
      std::cerr << "cohort: error: the " << what << " was not written: " << e.what() << "\n";
      rc = status::kInput;
    }
  };
  write(m.options.stats, "stats file", [&] { observe::write_stats(stats, m.options.stats); });
  write(m.options.trace, "trace", [&] { observe::write_trace(r, m.options.trace); });
  write(m.options.report, "report", [&] { observe::write_report(r, stats, m.options.report); });
  return rc;
}

}  // namespace cohort::cli
