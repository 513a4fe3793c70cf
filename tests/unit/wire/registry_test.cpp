// Registry: registration by name, invocation into result records, every failure
// an error record (never a crash), concurrent invocation.
#include <cohort/wire/registry.hpp>

#include <cohort/core/error.hpp>

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cohort::wire {
namespace {

int square(int x) { return x * x; }
std::string greet(const std::string& who, int times) {
  std::string s;
  for (int i = 0; i < times; ++i) s += "hi " + who + ";";
  return s;
}
std::vector<int> iota_of(std::size_t n) {
  std::vector<int> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<int>(i);
  return v;
}
int at(std::vector<int> v, std::size_t i) { return v.at(i); }

struct CustomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::atomic<int> g_void_calls{0};

Registry make_registry() {
  Registry r;
  r.add("square", square);
  r.add("greet", &greet);
  r.add("iota", iota_of);
  r.add("at", at);
  r.add("sum", [](const std::vector<int>& v) {
    long s = 0;
    for (int x : v) s += x;
    return s;
  });
  r.add("touch", [](int n) { g_void_calls += n; });
  r.add("nothing", [] {});
  r.add("custom", [](std::string m) -> int { throw CustomError(m); });
  r.add("throws_int", []() -> int { throw 42; });
  r.add("append", [](std::string& s, std::string&& t) { return s + t; });
  return r;
}

// Encodes tasks, decodes the batch, invokes every task, decodes the results:
// the full path a task takes between ranks.
struct Trip {
  TaskBatchWriter tasks;
  ResultBatch run(const Registry& r, int worker_rank = 3) {
    const TaskBatch batch = TaskBatch::decode(tasks.finish(1), 0);
    ResultBatchWriter out;
    InvokeContext ctx;
    ctx.rank = worker_rank;
    r.invoke_all(batch, out, ctx);
    return ResultBatch::decode(out.finish(1), worker_rank);
  }
};

TEST(Registry, NamesAndSignatures) {
  const Registry r = make_registry();
  EXPECT_TRUE(r.contains("square"));
  EXPECT_FALSE(r.contains("cube"));
  EXPECT_EQ(r.size(), 10u);
  const auto names = r.names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(r.find("square")->signature(), "int (int)");
  EXPECT_EQ(r.find("greet")->signature(), "std::string (const std::string&, int)");
  EXPECT_EQ(r.find("touch")->signature(), "void (int)");
  EXPECT_EQ(r.find("cube"), nullptr);
}

TEST(Registry, RefusesBadNames) {
  Registry r = make_registry();
  EXPECT_THROW(r.add("square", square), Error);
  EXPECT_THROW(r.add("", square), Error);
  EXPECT_THROW(r.add(std::string(kMaxTaskNameBytes + 1, 'n'), square), Error);
}

TEST(Registry, RunsTypedTasks) {
  const Registry r = make_registry();
  Trip t;
  add_task(t.tasks, 1, 0, "square", 7);
  add_task(t.tasks, 2, 0, "greet", std::string("ann"), 2);
  add_task(t.tasks, 3, 0, "iota", std::size_t{4});
  add_task(t.tasks, 4, 0, "sum", std::vector<int>{1, 2, 3});
  add_task(t.tasks, 5, 0, "touch", 5);
  add_task(t.tasks, 6, 0, "nothing");
  add_task(t.tasks, 7, 0, "append", std::string("ab"), std::string("cd"));
  g_void_calls = 0;
  const ResultBatch res = t.run(r);
  ASSERT_EQ(res.size(), 7u);
  EXPECT_EQ(decode_result<int>(res[0], 3, "h"), 49);
  EXPECT_EQ(decode_result<std::string>(res[1], 3, "h"), "hi ann;hi ann;");
  EXPECT_EQ(decode_result<std::vector<int>>(res[2], 3, "h"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(decode_result<long>(res[3], 3, "h"), 6);
  EXPECT_NO_THROW(decode_result<void>(res[4], 3, "h"));
  EXPECT_EQ(g_void_calls.load(), 5);
  EXPECT_NO_THROW(decode_result<void>(res[5], 3, "h"));
  EXPECT_EQ(decode_result<std::string>(res[6], 3, "h"), "abcd");
  for (std::size_t i = 0; i < res.size(); ++i) {
    EXPECT_EQ(res[i].id, i + 1);
    EXPECT_LE(res[i].start_ns, res[i].end_ns);
    EXPECT_GT(res[i].start_ns, 0);
  }
}

TEST(Registry, UnknownTaskIsAnErrorRecordAndTheOthersStillRun) {
  const Registry r = make_registry();
  Trip t;
  add_task(t.tasks, 1, 0, "square", 2);
  add_task(t.tasks, 2, 0, "cube", 2);
  add_task(t.tasks, 3, 0, "square", 3);
  const ResultBatch res = t.run(r, 6);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(decode_result<int>(res[0], 6, "h"), 4);
  EXPECT_EQ(res[1].status, Errc::unknown_task);
  const std::string m(res[1].error_message);
  EXPECT_NE(m.find("'cube'"), std::string::npos) << m;
  EXPECT_NE(m.find("rank 6"), std::string::npos) << m;
  EXPECT_NE(m.find("task id 2"), std::string::npos) << m;
  try {
    decode_result<int>(res[1], 6, "h");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.errc(), Errc::unknown_task);
  }
  EXPECT_EQ(decode_result<int>(res[2], 6, "h"), 9);
}

TEST(Registry, ThrowingTaskGivesTypeAndMessage) {
  const Registry r = make_registry();
  Trip t;
  add_task(t.tasks, 1, 0, "custom", std::string("it broke"));
  add_task(t.tasks, 2, 0, "at", std::vector<int>{1}, std::size_t{5});
  add_task(t.tasks, 3, 0, "throws_int");
  add_task(t.tasks, 4, 0, "square", 5);
  const ResultBatch res = t.run(r);
  ASSERT_EQ(res.size(), 4u);
  EXPECT_EQ(res[0].status, Errc::remote_error);
  EXPECT_EQ(res[0].error_type, "cohort::wire::(anonymous namespace)::CustomError");
  EXPECT_EQ(res[0].error_message, "it broke");
  try {
    decode_result<int>(res[1], 3, "node3");
    FAIL();
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.task_id(), 2u);
    EXPECT_EQ(e.rank(), 3);
    EXPECT_EQ(e.host(), "node3");
    EXPECT_EQ(e.type(), "std::out_of_range");
    EXPECT_NE(e.message().find("vector"), std::string::npos) << e.message();
  }
  EXPECT_EQ(res[2].error_type, "int");
  EXPECT_NE(res[2].error_message.find("not a std::exception"), std::string::npos);
  EXPECT_EQ(decode_result<int>(res[3], 3, "h"), 25);
}

TEST(Registry, ArgumentTypeMismatchIsAnErrorRecord) {
  const Registry r = make_registry();
  Trip t;
  add_task(t.tasks, 1, 0, "greet", 1, 2);                       // int where std::string is expected
  add_task(t.tasks, 2, 0, "square", std::string("not an int"));  // longer than an int
  add_task(t.tasks, 3, 0, "square");                            // too few
  add_task(t.tasks, 4, 0, "square", 1, 2);                      // too many
  add_task(t.tasks, 5, 0, "square", 6);
  const ResultBatch res = t.run(r, 2);
  ASSERT_EQ(res.size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(res[i].status, Errc::decode_error) << i;
    EXPECT_EQ(res[i].error_type, "cohort::DecodeError");
    const std::string m(res[i].error_message);
    EXPECT_NE(m.find("cannot decode its arguments"), std::string::npos) << m;
    EXPECT_NE(m.find("on rank 2"), std::string::npos) << m;
    EXPECT_THROW(decode_result<int>(res[i], 2, "h"), RemoteError);
  }
  EXPECT_EQ(decode_result<int>(res[4], 2, "h"), 36);
}

TEST(Registry, ConcurrentInvocationFromManyThreads) {
  const Registry r = make_registry();
  TaskBatchWriter w;
  constexpr int kTasks = 4000;
  for (int i = 0; i < kTasks; ++i) add_task(w, static_cast<std::uint64_t>(i), 0, "square", i);
  const TaskBatch batch = TaskBatch::decode(w.finish(1), 0);
  for (int threads : {1, 2, 4, 8}) {
    std::vector<ResultBatchWriter> outs(static_cast<std::size_t>(threads));
    std::latch go(threads);
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k) {
      pool.emplace_back([&, k] {
        go.arrive_and_wait();
        for (std::size_t i = static_cast<std::size_t>(k); i < batch.size(); i += static_cast<std::size_t>(threads)) {
          r.invoke(batch[i], outs[static_cast<std::size_t>(k)]);
        }
      });
    }
    for (auto& th : pool) th.join();
    ResultBatchWriter all;
    for (auto& o : outs) all.append(o);
    const ResultBatch res = ResultBatch::decode(all.finish(2), 1);
    ASSERT_EQ(res.size(), static_cast<std::size_t>(kTasks));
    long long sum = 0;
    for (const auto& rec : res.results()) {
      const int v = decode_result<int>(rec, 1, "h");
      ASSERT_EQ(v, static_cast<int>(rec.id * rec.id));
      sum += static_cast<long long>(rec.id);
    }
    EXPECT_EQ(sum, static_cast<long long>(kTasks) * (kTasks - 1) / 2) << threads << " threads";
  }
}

TEST(Registry, CustomClock) {
  Registry r;
  r.add("square", square);
  TaskBatchWriter w;
  add_task(w, 1, 0, "square", 3);
  const TaskBatch batch = TaskBatch::decode(w.finish(1), 0);
  ResultBatchWriter out;
  InvokeContext ctx;
  static std::int64_t ticks = 1000;
  ctx.clock_ns = [] { return ticks += 10; };
  r.invoke(batch[0], out, ctx);
  const ResultBatch res = ResultBatch::decode(out.finish(1), 0);
  EXPECT_EQ(res[0].start_ns, 1010);
  EXPECT_EQ(res[0].end_ns, 1020);
}

}  // namespace
}  // namespace cohort::wire
