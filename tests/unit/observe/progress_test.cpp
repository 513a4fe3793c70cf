#include <cohort/observe/log.hpp>
#include <cohort/observe/progress.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

using namespace cohort::observe;

namespace {

Event ev(EventKind k, int peer = 1, std::uint64_t count = 0) {
  Event e;
  e.kind = k;
  e.peer = peer;
  e.count = count;
  return e;
}

std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    r = fds[0];
    w = fds[1];
    ::fcntl(r, F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    ::close(r);
    if (w >= 0) ::close(w);
  }
};

}  // namespace

TEST(Progress, StateFollowsTheEvents) {
  ProgressBar bar({.mode = ProgressOptions::Mode::off});
  bar.on_event(ev(EventKind::worker_joined, 1));
  bar.on_event(ev(EventKind::worker_joined, 2));
  bar.on_event(ev(EventKind::tasks_queued, -1, 10));
  for (int i = 0; i < 4; ++i) bar.on_event(ev(EventKind::task_dispatched, 1));
  bar.on_event(ev(EventKind::task_finished, 1));
  bar.on_event(ev(EventKind::task_failed, 1));
  bar.on_event(ev(EventKind::task_retried, 1));
  Event phase = ev(EventKind::phase_begin);
  phase.name = "map";
  bar.on_event(phase);
  const ProgressState s = bar.state();
  EXPECT_EQ(s.total, 10u);
  EXPECT_EQ(s.done, 2u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.retried, 1u);
  EXPECT_EQ(s.workers, 2);
  EXPECT_EQ(s.busy, 1);  // rank 1 still holds one task
  EXPECT_EQ(s.phase, "map");
  EXPECT_EQ(bar.mode(), ProgressOptions::Mode::off);
}

TEST(Progress, TheBarFitsItsWidthAndSaysEverything) {
  ProgressState s;
  s.total = 200, s.done = 50, s.failed = 2, s.workers = 4, s.busy = 3, s.rate = 12.5, s.eta = 12, s.phase = "map";
  for (int width : {40, 80, 120, 200}) {
    const std::string line = ProgressBar::render_bar(s, width);
    EXPECT_LE(static_cast<int>(line.size()), width) << line;
  }
  const std::string line = ProgressBar::render_bar(s, 120);
  for (const char* part : {"map [", "50/200 tasks", "25%", "12.5/s", "ETA 0:12", "busy 3/4", "failed 2"})
    EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
  const std::string plain = ProgressBar::render_line(s);
  EXPECT_EQ(plain.rfind("cohort: progress: 50/200 tasks (25%)", 0), 0u) << plain;
  EXPECT_NE(plain.find("3/4 workers busy, 2 failed"), std::string::npos) << plain;
  EXPECT_EQ(plain.find('\r'), std::string::npos);
}

TEST(Progress, StopLeavesTheFinalBarOnTheTerminal) {
  Pipe p;
  {
    ProgressBar bar({.mode = ProgressOptions::Mode::bar, .fd = p.w, .width = 100});
    bar.on_event(ev(EventKind::tasks_queued, -1, 3));
    for (int i = 0; i < 3; ++i) bar.on_event(ev(EventKind::task_finished, 1));
    bar.stop();
  }
  const std::string out = drain(p.r);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front(), '\r');
  EXPECT_EQ(out.back(), '\n');
  const auto last = out.rfind('\r');
  EXPECT_NE(out.find("3/3 tasks 100%", last), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[K", last), std::string::npos);
}

TEST(Progress, ALogLineClearsTheBarAndTheBarComesBack) {
  Pipe p;
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(p.w, STDERR_FILENO);
  {
    ProgressBar bar({.mode = ProgressOptions::Mode::bar, .interval = std::chrono::hours(1), .fd = STDERR_FILENO,
                     .width = 100});
    bar.on_event(ev(EventKind::tasks_queued, -1, 5));
    log(Level::error, "something broke");
    bar.stop();
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  const std::string out = drain(p.r);
  const auto at = out.find("something broke\n");
  ASSERT_NE(at, std::string::npos) << out;
  // Cleared right before the line, redrawn right after it.
  const auto line_start = out.rfind("\r\x1b[K", at);
  ASSERT_NE(line_start, std::string::npos);
  EXPECT_EQ(out.substr(line_start, at - line_start), "\r\x1b[K[r0 main] error: ");
  EXPECT_NE(out.find("0/5 tasks", at), std::string::npos) << out;
}

TEST(Progress, PlainModeEndsWithALineAndWritesNoEscapeCodes) {
  Pipe p;
  {
    ProgressBar bar({.mode = ProgressOptions::Mode::lines, .plain_interval = std::chrono::hours(1), .fd = p.w});
    EXPECT_EQ(bar.mode(), ProgressOptions::Mode::lines);
    bar.on_event(ev(EventKind::tasks_queued, -1, 5));
    for (int i = 0; i < 5; ++i) bar.on_event(ev(EventKind::task_finished, 1));
  }
  const std::string out = drain(p.r);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.rfind("cohort: progress: 5/5 tasks (100%)", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, ARunThatQueuedNothingLeavesNoProgressLine) {
  // (a run refused before it began: its error message is the whole story)
  for (const auto mode : {ProgressOptions::Mode::lines, ProgressOptions::Mode::bar}) {
    Pipe p;
    {
      ProgressBar bar({.mode = mode, .plain_interval = std::chrono::hours(1), .fd = p.w});
      bar.start();
    }
    const std::string out = drain(p.r);
    EXPECT_EQ(out.find('\n'), std::string::npos) << out;
    if (mode == ProgressOptions::Mode::lines) {
      EXPECT_EQ(out, "");
    } else {  // the bar drawn at start() is cleared, not left on screen
      ASSERT_GE(out.size(), 4u) << out;
      EXPECT_EQ(out.substr(out.size() - 4), "\r\x1b[K") << out;
    }
  }
}
