#pragma once
/// ProgressBar: rank 0's view of a run while it goes. On a terminal, a live
/// bar on stderr (tasks done / total, rate, ETA, workers busy, failures);
/// otherwise (a Slurm log file) a plain line every few seconds. Under mpirun a
/// rank's stderr is a pipe that mpirun copies to its own stderr: the automatic
/// mode draws the bar when that one is a terminal.
///
///   observe::ProgressBar bar;            // mode from isatty(stderr)
///   fanout.add(bar);                     // before the runtime starts
///   ... run ...
///   bar.stop();                          // final state, then a newline
///
/// Thread safety: on_event() from any thread; start()/stop() from one thread.
///
/// - A background thread draws every `interval` (bar) or `plain_interval`
///   (lines); it only reads counters, never blocks the runtime.
/// - While the bar is up, log lines (observe/log.hpp) clear it first and it is
///   redrawn after them.
/// - render() is the text of the current state, for tests.

#include <cohort/observe/event.hpp>
#include <cohort/observe/export.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace cohort::observe {

struct ProgressOptions {
  enum class Mode { automatic, bar, lines, off } mode = Mode::automatic;
  std::chrono::milliseconds interval{200};          ///< bar redraws
  std::chrono::milliseconds plain_interval{10'000}; ///< plain lines (COHORT_PROGRESS_INTERVAL seconds overrides)
  int fd = 2;                                       ///< where to draw
  int width = 0;                                    ///< 0: the terminal's (else 80)
  bool autostart = true;                            ///< the constructor calls start()
};

struct ProgressState {
  std::uint64_t total = 0, done = 0, failed = 0, retried = 0;
  int workers = 0, busy = 0;
  double seconds = 0;  ///< since start()
  double rate = 0;     ///< tasks per second (recent)
  double eta = -1;     ///< seconds; -1: unknown
  std::string phase;
};

class COHORT_OBSERVE_EXPORT ProgressBar final : public Observer {
 public:
  explicit ProgressBar(ProgressOptions options = {});
  ~ProgressBar() override;  // stop()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void on_event(const Event& event) override;
  /// Starts drawing and the clock of the rate (idempotent). Called by the
  /// constructor unless mode is off or autostart is false.
  void start();
  /// Draws the final state once more (the bar, or one last plain line) and
  /// stops (idempotent).
  void stop();

  ProgressOptions::Mode mode() const noexcept;
  /// Where it draws (the automatic mode may pick stdout under mpirun).
  int fd() const noexcept;
  ProgressState state() const;
  /// One bar line (no escape codes) of `width` columns, or one plain line.
  static std::string render_bar(const ProgressState& s, int width);
  static std::string render_line(const ProgressState& s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::observe
