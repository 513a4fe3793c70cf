// futures: two coroutines on one event loop, each resolving a Future whose
// done-callback prints the result.
//
//   futures N1 N2 [--time-scale S]
//
// The first computes 1 + 2 + ... + N1, the second N2! (exactly, with GMP), then
// each sleeps on the loop (3 s and 4 s in the Python original, times S,
// default 0.01) and resolves its promise. The loop runs until both are done.

#include <cohort/core/event_loop.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/task.hpp>

#include <CLI/CLI.hpp>
#include <gmpxx.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

using cohort::core::EventLoop;
using cohort::core::FutureView;
using cohort::core::Promise;
using cohort::core::Task;

EventLoop::Duration scaled(double seconds, double scale) {
  return std::chrono::duration_cast<EventLoop::Duration>(std::chrono::duration<double>(seconds * scale));
}

Task<void> first_coroutine(EventLoop& loop, Promise<std::string>& result, unsigned long n, double scale) {
  mpz_class count = 0;
  for (unsigned long i = 1; i <= n; ++i) count += i;
  co_await loop.sleep(scaled(3.0, scale));
  result.set_result("first coroutine (sum of N integers) result = " + count.get_str());
}

Task<void> second_coroutine(EventLoop& loop, Promise<std::string>& result, unsigned long n, double scale) {
  mpz_class count = 1;
  for (unsigned long i = 2; i <= n; ++i) count *= i;
  co_await loop.sleep(scaled(4.0, scale));
  result.set_result("second coroutine (factorial) result = " + count.get_str());
}

void got_result(FutureView<std::string> future) { std::printf("%s\n", future.result().c_str()); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sum of 1..N1 and N2! computed by two coroutines; done-callbacks print the results"};
  unsigned long n1 = 0, n2 = 0;
  double scale = 0.01;
  app.add_option("N1", n1, "sum 1..N1")->required();
  app.add_option("N2", n2, "N2 factorial")->required();
  app.add_option("--time-scale", scale, "scale of the 3 s / 4 s sleeps")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  EventLoop loop;
  Promise<std::string> promise1, promise2;
  auto future1 = promise1.get_future();
  auto future2 = promise2.get_future();
  future1.add_done_callback(got_result);
  future2.add_done_callback(got_result);

  auto t1 = start(first_coroutine(loop, promise1, n1, scale), loop);
  auto t2 = start(second_coroutine(loop, promise2, n2, scale), loop);
  loop.run_until_complete(cohort::core::when_all(std::move(t1), std::move(t2)));
  loop.close();
  return 0;
}
