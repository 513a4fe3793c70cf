// event_loop: four callbacks that hand over to each other with call_later,
// function_1 -> 2 -> 3 -> 4 -> 1 ..., one second apart, until an end time.
//
//   event_loop [--seconds S] [--interval I]
//
// Each callback prints its name and the loop's time (seconds since the loop
// started); the one that would schedule past the end time stops the loop.

#include <cohort/core/event_loop.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

namespace {

using cohort::core::EventLoop;

struct Chain {
  EventLoop& loop;
  EventLoop::TimePoint start;
  EventLoop::TimePoint end;
  EventLoop::Duration interval;

  double now() const { return std::chrono::duration<double>(loop.time() - start).count(); }

  void call(int which) {
    std::printf("function_%d called at loop time %.3f s\n", which, now());
    std::fflush(stdout);
    if (loop.time() + interval < end) {
      const int next = which % 4 + 1;
      loop.call_later(interval, [this, next] { call(next); });
    } else {
      std::printf("end time reached: stopping the loop\n");
      loop.stop();
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"function_1 -> 2 -> 3 -> 4 -> 1 ... chained with call_later until an end time"};
  double seconds = 9.0;
  double interval = 1.0;
  app.add_option("--seconds", seconds, "run for this long")->check(CLI::NonNegativeNumber);
  app.add_option("--interval", interval, "seconds between two calls")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  EventLoop loop;
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<EventLoop::Duration>(std::chrono::duration<double>(s));
  };
  const auto start = loop.time();
  Chain chain{loop, start, start + to_duration(seconds), to_duration(interval)};
  loop.call_soon([&] { chain.call(1); });
  loop.run_forever();
  loop.close();
  return 0;
}
