// Per-task cost of what crosses ranks: a batch of 1000 tasks with an int
// argument and an int result, through every step between rank 0 and a worker
// (no MPI: bytes are handed over in memory). Reported as ns per task
// ("per_task" counter); run a Release build:
//   build/release/bin/bench_wire --benchmark_min_time=0.5
#include <cohort/wire/registry.hpp>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>

#include <benchmark/benchmark.h>

#include <sstream>
#include <vector>

namespace {

using namespace cohort::wire;

constexpr int kTasks = 1000;

int square(int x) { return x * x; }

const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    reg.add("square", square);
    return reg;
  }();
  return r;
}

void per_task(benchmark::State& state) {
  state.counters["per_task"] = benchmark::Counter(static_cast<double>(state.iterations()) * kTasks,
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

std::vector<std::byte> task_message() {
  TaskBatchWriter w;
  for (int i = 0; i < kTasks; ++i) add_task(w, static_cast<std::uint64_t>(i), 0, "square", i);
  return w.finish(1);
}

std::vector<std::byte> result_message() {
  const TaskBatch batch = TaskBatch::decode(task_message(), 0);
  ResultBatchWriter out;
  registry().invoke_all(batch, out, {});
  return out.finish(1);
}

// The whole trip: encode tasks, decode them, run them, encode results, decode results.
void BM_RoundTrip(benchmark::State& state) {
  TaskBatchWriter tasks;
  ResultBatchWriter results;
  long long sum = 0;
  for (auto _ : state) {
    for (int i = 0; i < kTasks; ++i) add_task(tasks, static_cast<std::uint64_t>(i), 0, "square", i);
    const TaskBatch batch = TaskBatch::decode(tasks.finish(1), 0);
    registry().invoke_all(batch, results, {});
    const ResultBatch back = ResultBatch::decode(results.finish(1), 1);
    for (const ResultRecord& r : back.results()) sum += decode_result<int>(r, 1, "bench");
  }
  benchmark::DoNotOptimize(sum);
  per_task(state);
}
BENCHMARK(BM_RoundTrip);

// Rank 0, typed: arguments archived straight into the batch buffer.
void BM_EncodeTasks(benchmark::State& state) {
  TaskBatchWriter tasks;
  for (auto _ : state) {
    for (int i = 0; i < kTasks; ++i) add_task(tasks, static_cast<std::uint64_t>(i), 0, "square", i);
    benchmark::DoNotOptimize(tasks.finish(1));
  }
  per_task(state);
}
BENCHMARK(BM_EncodeTasks);

// Rank 0, the scheduler's likely path: encode_args() at submit, copy into a batch later.
void BM_EncodeArgsThenBatch(benchmark::State& state) {
  TaskBatchWriter tasks;
  std::vector<std::vector<std::byte>> pending(kTasks);
  for (auto _ : state) {
    for (int i = 0; i < kTasks; ++i) pending[static_cast<std::size_t>(i)] = encode_args(i);
    for (int i = 0; i < kTasks; ++i) tasks.add(static_cast<std::uint64_t>(i), 0, "square", pending[static_cast<std::size_t>(i)]);
    benchmark::DoNotOptimize(tasks.finish(1));
  }
  per_task(state);
}
BENCHMARK(BM_EncodeArgsThenBatch);

// Worker: validate and index a task batch (no argument decoding yet).
void BM_DecodeTaskBatch(benchmark::State& state) {
  const auto message = task_message();
  for (auto _ : state) {
    auto copy = message;  // decode() takes ownership; the copy is part of the cost
    benchmark::DoNotOptimize(TaskBatch::decode(std::move(copy), 0));
  }
  per_task(state);
}
BENCHMARK(BM_DecodeTaskBatch);

// Worker: decode each task's arguments, run it, encode its result.
void BM_InvokeAll(benchmark::State& state) {
  const TaskBatch batch = TaskBatch::decode(task_message(), 0);
  ResultBatchWriter out;
  for (auto _ : state) {
    registry().invoke_all(batch, out, {});
    benchmark::DoNotOptimize(out.finish(1));
  }
  per_task(state);
}
BENCHMARK(BM_InvokeAll);

// Rank 0: decode a result batch and every typed result.
void BM_DecodeResults(benchmark::State& state) {
  const auto message = result_message();
  long long sum = 0;
  for (auto _ : state) {
    auto copy = message;
    const ResultBatch back = ResultBatch::decode(std::move(copy), 1);
    for (const ResultRecord& r : back.results()) sum += decode_result<int>(r, 1, "bench");
  }
  benchmark::DoNotOptimize(sum);
  per_task(state);
}
BENCHMARK(BM_DecodeResults);

// For comparison: one stock boost::archive::binary_[io]archive per value, the
// cost our archives avoid (see archive.hpp).
void BM_StockBinaryArchivePerValue(benchmark::State& state) {
  std::stringstream ss;
  long long sum = 0;
  for (auto _ : state) {
    for (int i = 0; i < kTasks; ++i) {
      ss.str({});
      ss.clear();
      {
        boost::archive::binary_oarchive oa(ss, boost::archive::no_header | boost::archive::no_codecvt);
        oa << i;
      }
      boost::archive::binary_iarchive ia(ss, boost::archive::no_header | boost::archive::no_codecvt);
      int x = 0;
      ia >> x;
      sum += x;
    }
  }
  benchmark::DoNotOptimize(sum);
  per_task(state);
}
BENCHMARK(BM_StockBinaryArchivePerValue);

}  // namespace

BENCHMARK_MAIN();
