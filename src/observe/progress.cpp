#include <cohort/observe/log.hpp>
#include <cohort/observe/progress.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace cohort::observe {
namespace {

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t w = ::write(fd, s.data(), s.size());
    if (w <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(w));
  }
}

std::string fixed(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string clock_text(double s) {
  if (s < 0) return "?";
  const auto t = static_cast<long long>(s + 0.5);
  char b[32];
  if (t >= 3600) std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(b, sizeof b, "%lld:%02lld", t / 60, t % 60);
  return b;
}

bool under_mpi_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

// mpirun hands a rank a pipe for stderr and copies it to its own stderr: if
// that is a terminal, the user is watching. (Rank 0 runs where mpirun does;
// its stdout is a pty under mpirun whatever mpirun's own stdout is, so it
// tells nothing.)
std::string launcher_terminal() {
  char link[256];
  const std::string path = "/proc/" + std::to_string(::getppid()) + "/fd/2";
  const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
  if (n <= 0) return {};
  const std::string target(link, static_cast<std::size_t>(n));
  const bool tty = target.starts_with("/dev/pts/") || target.starts_with("/dev/tty") || target == "/dev/console";
  return tty ? target : std::string();
}

// Columns of the terminal at `fd`, else of the named terminal; 0 if neither answers.
int columns(int fd, const std::string& terminal) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (terminal.empty()) return 0;
  const int t = ::open(terminal.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (t < 0) return 0;
  const int ok = ::ioctl(t, TIOCGWINSZ, &ws);
  ::close(t);
  return ok == 0 ? ws.ws_col : 0;
}

std::string rate_text(double r) { return fixed(r, r < 10 ? 2 : r < 100 ? 1 : 0) + "/s"; }

}  // namespace

struct ProgressBar::Impl {
  explicit Impl(ProgressOptions o) : options(o) {
    if (options.mode == ProgressOptions::Mode::automatic) {
      bool terminal = ::isatty(options.fd) == 1;
      if (!terminal && options.fd == STDERR_FILENO && under_mpi_launcher()) {
        launcher_tty = launcher_terminal();
        terminal = !launcher_tty.empty();
      }
      options.mode = terminal ? ProgressOptions::Mode::bar : ProgressOptions::Mode::lines;
    }
    if (const char* v = std::getenv("COHORT_PROGRESS_INTERVAL"); v != nullptr && *v != '\0') {
      const double s = std::atof(v);
      if (s > 0) options.plain_interval = std::chrono::milliseconds(static_cast<long long>(s * 1000));
    }
  }

  ProgressOptions options;
  std::string launcher_tty;  // under mpirun: the terminal mpirun's stderr is (for its width)
  mutable std::mutex mutex;  // the counters below
  std::uint64_t total = 0, done = 0, failed = 0, retried = 0;
  std::map<int, std::uint64_t> inflight;  // by worker rank
  std::string phase;
  std::int64_t started_ns = now_ns();
  std::deque<std::pair<std::int64_t, std::uint64_t>> window;  // (time, done) samples for the rate

  std::mutex run_mutex;  // the drawing thread
  std::condition_variable wake;
  bool stopping = false, running = false, drawn = false;
  std::thread thread;

  ProgressState snapshot() {
    std::lock_guard lock(mutex);
    ProgressState s;
    s.total = total;
    s.done = done;
    s.failed = failed;
    s.retried = retried;
    s.workers = static_cast<int>(inflight.size());
    for (const auto& [rank, n] : inflight) s.busy += n > 0 ? 1 : 0;
    s.phase = phase;
    const std::int64_t now = now_ns();
    s.seconds = static_cast<double>(now - started_ns) / 1e9;
    window.emplace_back(now, done);
    while (window.size() > 2 && now - window.front().first > 10'000'000'000) window.pop_front();
    const double span = static_cast<double>(now - window.front().first) / 1e9;
    s.rate = span >= 1 ? static_cast<double>(done - window.front().second) / span
                       : (s.seconds > 0 ? static_cast<double>(done) / s.seconds : 0);
    if (s.rate <= 0 && s.seconds > 0) s.rate = static_cast<double>(done) / s.seconds;
    s.eta = s.rate > 0 && total >= done ? static_cast<double>(total - done) / s.rate : -1;
    return s;
  }

  int width() const {
    if (options.width > 0) return options.width;
    const int c = columns(options.fd, launcher_tty);
    return c > 0 ? c : 80;
  }

  // Under the logger's lock (with_stderr_lock or a status-line callback).
  void draw_bar_locked() {
    const std::string line = render_bar(snapshot(), width() - 1);
    write_all(options.fd, "\r" + line + "\x1b[K");
    drawn = true;
  }

  void tick() {
    if (options.mode == ProgressOptions::Mode::bar) {
      with_stderr_lock([this] { draw_bar_locked(); });
    } else if (options.mode == ProgressOptions::Mode::lines) {
      const std::string line = render_line(snapshot()) + "\n";
      with_stderr_lock([&] { write_all(options.fd, line); });
    }
  }

  void loop() {
    const auto every = options.mode == ProgressOptions::Mode::bar ? options.interval : options.plain_interval;
    std::unique_lock lock(run_mutex);
    if (options.mode == ProgressOptions::Mode::bar) {
      lock.unlock();
      tick();
      lock.lock();
    }
    while (!stopping) {
      if (wake.wait_for(lock, every, [this] { return stopping; })) break;
      lock.unlock();
      tick();
      lock.lock();
    }
  }
};

ProgressBar::ProgressBar(ProgressOptions options) : impl_(std::make_unique<Impl>(options)) {
  if (impl_->options.mode != ProgressOptions::Mode::off && impl_->options.autostart) start();
}

ProgressBar::~ProgressBar() { stop(); }

ProgressOptions::Mode ProgressBar::mode() const noexcept { return impl_->options.mode; }
int ProgressBar::fd() const noexcept { return impl_->options.fd; }

void ProgressBar::start() {
  Impl& m = *impl_;
  std::lock_guard lock(m.run_mutex);
  if (m.running || m.options.mode == ProgressOptions::Mode::off) return;
  m.running = true;
  m.stopping = false;
  {
    std::lock_guard state(m.mutex);
    m.started_ns = now_ns();
    m.window.clear();
  }
  if (m.options.mode == ProgressOptions::Mode::bar) {
    set_status_line([&m] { write_all(m.options.fd, "\r\x1b[K"); }, [&m] { m.draw_bar_locked(); });
  }
  m.thread = std::thread([&m] { m.loop(); });
}

void ProgressBar::stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.run_mutex);
    if (!m.running) return;
    m.running = false;
    m.stopping = true;
  }
  m.wake.notify_all();
  m.thread.join();
  // A run that never queued a task (refused before it began: a bad input, an
  // unwritable output) has no state worth a line; its error says it all.
  const ProgressState last = m.snapshot();
  const bool nothing = last.total == 0 && last.done == 0;
  if (m.options.mode == ProgressOptions::Mode::lines && !nothing) {  // the last state, so a log ends with one
    const std::string line = render_line(last) + "\n";
    with_stderr_lock([&] { write_all(m.options.fd, line); });
  }
  if (m.options.mode == ProgressOptions::Mode::bar) {
    set_status_line({}, {});
    with_stderr_lock([&m, &last, nothing] {  // the final state stays on screen; one write with its newline
      write_all(m.options.fd, nothing ? std::string("\r\x1b[K") : "\r" + render_bar(last, m.width() - 1) + "\x1b[K\n");
    });
  }
}

ProgressState ProgressBar::state() const { return impl_->snapshot(); }

void ProgressBar::on_event(const Event& e) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  switch (e.kind) {
    case EventKind::tasks_queued: m.total += e.count; break;
    case EventKind::task_dispatched: ++m.inflight[e.peer]; break;
    case EventKind::task_finished:
    case EventKind::task_failed:
    case EventKind::task_retried: {
      auto& n = m.inflight[e.peer];
      if (n > 0) --n;
      if (e.kind == EventKind::task_retried) {
        ++m.retried;
      } else {
        ++m.done;
        if (e.kind == EventKind::task_failed) ++m.failed;
      }
      break;
    }
    case EventKind::worker_joined: m.inflight.try_emplace(e.peer, 0); break;
    case EventKind::phase_begin: m.phase = std::string(e.name); break;
    default: break;
  }
}

std::string ProgressBar::render_bar(const ProgressState& s, int width) {
  const double frac = s.total > 0 ? std::min(1.0, static_cast<double>(s.done) / static_cast<double>(s.total)) : 0;
  std::string left = s.phase.empty() ? std::string() : s.phase + " ";
  std::string right = " " + std::to_string(s.done) + "/" + std::to_string(s.total) + " tasks " +
                      fixed(100 * frac, 0) + "%  " + rate_text(s.rate) + "  ETA " +
                      (s.done >= s.total && s.total > 0 ? std::string("0:00") : clock_text(s.eta)) + "  busy " +
                      std::to_string(s.busy) + "/" + std::to_string(s.workers) + "  failed " + std::to_string(s.failed);
  if (s.retried > 0) right += "  retried " + std::to_string(s.retried);
  const int room = width - static_cast<int>(left.size() + right.size()) - 2;
  const int bar = std::clamp(room, 10, 60);
  const int full = static_cast<int>(frac * bar);
  std::string b = "[";
  b.append(static_cast<std::size_t>(full), '=');
  if (full < bar) {
    b += '>';
    b.append(static_cast<std::size_t>(bar - full - 1), ' ');
  }
  b += "]";
  std::string line = left + b + right;
  if (width > 0 && static_cast<int>(line.size()) > width) line.resize(static_cast<std::size_t>(width));
  return line;
}

std::string ProgressBar::render_line(const ProgressState& s) {
  const double pct = s.total > 0 ? 100.0 * static_cast<double>(s.done) / static_cast<double>(s.total) : 0;
  std::string line = "cohort: progress: " + std::to_string(s.done) + "/" + std::to_string(s.total) + " tasks (" +
                     fixed(pct, 0) + "%), " + fixed(s.rate, 1) + " tasks/s, ETA " +
                     (s.eta < 0 ? std::string("unknown") : clock_text(s.eta)) + ", " + std::to_string(s.busy) + "/" +
                     std::to_string(s.workers) + " workers busy, " + std::to_string(s.failed) + " failed";
  if (s.retried > 0) line += ", " + std::to_string(s.retried) + " retried";
  if (!s.phase.empty()) line += ", phase " + s.phase;
  line += ", " + clock_text(s.seconds) + " elapsed";
  return line;
}

}  // namespace cohort::observe
