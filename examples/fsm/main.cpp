// fsm: a finite-state machine whose states are coroutines (Task<std::string>).
//
//   fsm [--seed N] [--delay-ms D]
//
// Start -> State 1/2 -> ... -> End, each transition chosen by a coin flip
// (std::mt19937 seeded with --seed, so a run is reproducible). Each state
// co_awaits the next one and returns its own line plus the chain below it, so
// when End is reached the whole path unwinds back into Start, which prints it.
// With --delay-ms each state pauses on the event loop (co_await loop.sleep)
// before flipping its coin, like the Python version's sleep.
//
// Transitions:   Start:  0 -> State 2, 1 -> State 1
//                State 1: 0 -> State 3, 1 -> State 2
//                State 2: 0 -> State 1, 1 -> State 3
//                State 3: 0 -> State 1, 1 -> End

#include <cohort/core/event_loop.hpp>
#include <cohort/core/task.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace {

using cohort::core::EventLoop;
using cohort::core::Task;

struct Machine {
  EventLoop& loop;
  std::mt19937 rng;
  std::chrono::milliseconds delay;

  /// 0 or 1: the top bit of the next mt19937 output (exactly specified by the
  /// standard, so a seed gives the same run with every standard library).
  int flip() { return static_cast<int>(rng() >> 31); }

  void transition(const char* from, const char* to, int value) {
    std::printf("%s -> %s (transition value %d)\n", from, to, value);
  }
};

Task<std::string> state1(Machine& m, int value);
Task<std::string> state2(Machine& m, int value);
Task<std::string> state3(Machine& m, int value);

std::string arrived(const char* name, int value) {
  return std::string(name) + " with transition value = " + std::to_string(value) + "\n";
}

Task<void> pause(Machine& m) {
  if (m.delay.count() > 0) co_await m.loop.sleep(m.delay);
}

Task<std::string> end_state(Machine& /*m*/, int value) {
  std::printf("...Stop Computation...\n");
  co_return arrived("End State", value);
}

Task<std::string> state1(Machine& m, int value) {
  co_await pause(m);
  const int next = m.flip();
  std::printf("...Evaluating...\n");
  std::string rest;
  if (next == 0) {
    m.transition("State 1", "State 3", next);
    rest = co_await state3(m, next);
  } else {
    m.transition("State 1", "State 2", next);
    rest = co_await state2(m, next);
  }
  co_return arrived("State 1", value) + "State 1 calling " + rest;
}

Task<std::string> state2(Machine& m, int value) {
  co_await pause(m);
  const int next = m.flip();
  std::printf("...Evaluating...\n");
  std::string rest;
  if (next == 0) {
    m.transition("State 2", "State 1", next);
    rest = co_await state1(m, next);
  } else {
    m.transition("State 2", "State 3", next);
    rest = co_await state3(m, next);
  }
  co_return arrived("State 2", value) + "State 2 calling " + rest;
}

Task<std::string> state3(Machine& m, int value) {
  co_await pause(m);
  const int next = m.flip();
  std::printf("...Evaluating...\n");
  std::string rest;
  if (next == 0) {
    m.transition("State 3", "State 1", next);
    rest = co_await state1(m, next);
  } else {
    m.transition("State 3", "End State", next);
    rest = co_await end_state(m, next);
  }
  co_return arrived("State 3", value) + "State 3 calling " + rest;
}

Task<std::string> start_state(Machine& m) {
  std::printf("Start State called\n");
  co_await pause(m);
  const int next = m.flip();
  std::string rest;
  if (next == 0) {
    m.transition("Start", "State 2", next);
    rest = co_await state2(m, next);
  } else {
    m.transition("Start", "State 1", next);
    rest = co_await state1(m, next);
  }
  co_return "Start State calling " + rest;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A finite-state machine of coroutines with random transitions"};
  std::uint32_t seed = std::random_device{}();
  int delay_ms = 0;
  app.add_option("--seed", seed, "seed of the transitions (default: random)");
  app.add_option("--delay-ms", delay_ms, "pause in each state, on the event loop")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  EventLoop loop;
  Machine machine{loop, std::mt19937(seed), std::chrono::milliseconds(delay_ms)};
  std::printf("Finite State Machine simulation with coroutines (seed %u)\n", static_cast<unsigned>(seed));
  const std::string path = loop.run_until_complete(start_state(machine));
  std::printf("Resume of the Transition:\n%s", path.c_str());
  loop.close();
  return 0;
}
