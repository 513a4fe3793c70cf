// Registry::invoke_array: columnar task arrays give the same outcomes as the
// per-record path (values, errors with the same status/type/message), on the
// fast loop for fixed-size types and through run() for everything else.
#include <cohort/wire/registry.hpp>

#include <cohort/core/error.hpp>

#include <boost/serialization/string.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cohort::wire {
namespace {

template <class T>
std::vector<std::byte> array_of(const std::vector<T>& xs) {
  std::vector<std::byte> b;
  for (const T& x : xs) write_values(b, x);
  return b;
}

template <class T>
T value_at(std::span<const std::byte> values, std::size_t i) {
  T v{};
  EXPECT_TRUE(load_fixed(values.data() + i * fixed_wire_size_v<T>, v));
  return v;
}

std::atomic<int> g_ticks{0};

Registry sample_registry() {
  Registry r;
  r.add("square", [](std::uint64_t x) { return x * x; });
  r.add("checked", [](std::int32_t x) -> std::int32_t {
    if (x < 0) throw std::out_of_range("negative " + std::to_string(x));
    return x + 1;
  });
  r.add("both", [](bool flag, double d) { return flag ? d : -d; });
  r.add("tick", [](int) { g_ticks.fetch_add(1); });
  r.add("text", [](int n) { return std::string(static_cast<std::size_t>(n), 'x'); });
  return r;
}

/// What the per-record path says for the same task (to compare errors with).
ResultBatch per_record(const Registry& r, const TaskArray& t, std::size_t i, const InvokeContext& ctx) {
  ResultBatchWriter w;
  r.invoke(TaskRecord{t.id_of(i), t.attempt, t.name, t.args_of(i)}, w, ctx);
  return ResultBatch::decode(w.finish(1), 0);
}

TEST(RegistryArray, FastLoopFillsTheValues) {
  const Registry r = sample_registry();
  const auto m = encode_task_array(1, 500, 0, "square", 5, 8, 8, array_of<std::uint64_t>({0, 1, 2, 3, 4}));
  const TaskArray t = TaskArray::decode(m, 0);
  ArrayResultWriter out(t);
  std::vector<ArrayError> errors;
  r.invoke_array(t, 1, 4, out.values(), errors, {});  // a part
  r.invoke_array(t, 4, 5, out.values(), errors, {});
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(value_at<std::uint64_t>(out.values(), 0), 0u) << "not run: untouched";
  for (std::uint64_t i = 1; i < 5; ++i) EXPECT_EQ(value_at<std::uint64_t>(out.values(), i), i * i);
}

TEST(RegistryArray, AThrowingTaskIsAnErrorLikeOnTheRecordPath) {
  const Registry r = sample_registry();
  const auto m = encode_task_array(2, 10, 1, "checked", 4, 4, 4, array_of<std::int32_t>({5, -6, 7, -8}));
  const TaskArray t = TaskArray::decode(m, 0);
  ArrayResultWriter out(t);
  std::vector<ArrayError> errors;
  const InvokeContext ctx{3, 0, nullptr};
  r.invoke_array(t, 0, 4, out.values(), errors, ctx);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].index, 1u);
  EXPECT_EQ(errors[1].index, 3u);
  const ResultBatch rec = per_record(r, t, 1, ctx);
  EXPECT_EQ(errors[0].status, rec[0].status);
  EXPECT_EQ(errors[0].type, rec[0].error_type);
  EXPECT_EQ(errors[0].message, rec[0].error_message);
  EXPECT_EQ(errors[0].type, "std::out_of_range");
  EXPECT_EQ(errors[1].message, "negative -8");
  EXPECT_EQ(value_at<std::int32_t>(out.values(), 0), 6);
  EXPECT_EQ(value_at<std::int32_t>(out.values(), 2), 8);
}

TEST(RegistryArray, SeveralArgumentsAndABadBoolByte) {
  const Registry r = sample_registry();
  std::vector<std::byte> args;
  write_values(args, true, 1.5);
  write_values(args, false, 2.5);
  write_values(args, true, 3.5);
  args[9] = std::byte{7};  // task 1's bool
  const auto m = encode_task_array(3, 0, 0, "both", 3, 9, 8, args);
  const TaskArray t = TaskArray::decode(m, 4);
  ArrayResultWriter out(t);
  std::vector<ArrayError> errors;
  const InvokeContext ctx{1, 4, nullptr};
  r.invoke_array(t, 0, 3, out.values(), errors, ctx);
  EXPECT_EQ(value_at<double>(out.values(), 0), 1.5);
  EXPECT_EQ(value_at<double>(out.values(), 2), 3.5);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].index, 1u);
  EXPECT_EQ(errors[0].status, Errc::decode_error);
  const ResultBatch rec = per_record(r, t, 1, ctx);
  EXPECT_EQ(errors[0].message, rec[0].error_message);
  EXPECT_NE(errors[0].message.find("a bool holds byte 7"), std::string::npos) << errors[0].message;
}

TEST(RegistryArray, SizesThatDisagreeAreDecodeErrorsPerTask) {
  const Registry r = sample_registry();
  {  // 4-byte arguments for a task taking uint64: the record path's decode error
    const auto m = encode_task_array(4, 0, 0, "square", 2, 4, 8, array_of<std::int32_t>({1, 2}));
    const TaskArray t = TaskArray::decode(m, 0);
    ArrayResultWriter out(t);
    std::vector<ArrayError> errors;
    r.invoke_array(t, 0, 2, out.values(), errors, {});
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[1].status, Errc::decode_error);
    EXPECT_NE(errors[1].message.find("cannot decode its arguments"), std::string::npos) << errors[1].message;
  }
  {  // the caller expects 4-byte results of a task returning uint64
    const auto m = encode_task_array(5, 0, 0, "square", 1, 8, 4, array_of<std::uint64_t>({3}));
    const TaskArray t = TaskArray::decode(m, 0);
    ArrayResultWriter out(t);
    std::vector<ArrayError> errors;
    r.invoke_array(t, 0, 1, out.values(), errors, {});
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].status, Errc::decode_error);
    EXPECT_NE(errors[0].message.find("its result is 8 bytes, the caller expects 4"), std::string::npos)
        << errors[0].message;
  }
}

TEST(RegistryArray, OtherTypesGoThroughRun) {
  const Registry r = sample_registry();
  // A string result can only fit when its archive happens to be result_size bytes.
  const auto m = encode_task_array(6, 0, 0, "text", 2, 4, 8 + 2, array_of<int>({2, 3}));
  const TaskArray t = TaskArray::decode(m, 0);
  ArrayResultWriter out(t);
  std::vector<ArrayError> errors;
  r.invoke_array(t, 0, 2, out.values(), errors, {});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].index, 1u);
  EXPECT_EQ(decode_value<std::string>(out.values().first(10), 0), "xx");
}

TEST(RegistryArray, VoidTasksAndUnknownNames) {
  const Registry r = sample_registry();
  g_ticks = 0;
  const auto m = encode_task_array(7, 0, 0, "tick", 3, 4, 0, array_of<int>({1, 2, 3}));
  const TaskArray t = TaskArray::decode(m, 0);
  ArrayResultWriter out(t);
  std::vector<ArrayError> errors;
  r.invoke_array(t, 0, 3, out.values(), errors, {});
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(g_ticks.load(), 3);

  const auto u = encode_task_array(8, 70, 0, "nope", 2, 4, 4, array_of<int>({1, 2}));
  const TaskArray tu = TaskArray::decode(u, 0);
  ArrayResultWriter uo(tu);
  r.invoke_array(tu, 0, 2, uo.values(), errors, {2, 0, nullptr});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].status, Errc::unknown_task);
  EXPECT_NE(errors[1].message.find("no task named 'nope' is registered on rank 2 (task id 71)"), std::string::npos)
      << errors[1].message;
}

TEST(RegistryArray, ThreadsFillDisjointParts) {
  const Registry r = sample_registry();
  constexpr std::size_t kN = 10'000;
  std::vector<std::uint64_t> xs(kN);
  for (std::size_t i = 0; i < kN; ++i) xs[i] = i;
  const auto m = encode_task_array(9, 0, 0, "square", kN, 8, 8, array_of(xs));
  const TaskArray t = TaskArray::decode(m, 0);
  ArrayResultWriter out(t);
  std::vector<ArrayError> e1, e2;
  std::latch start(2);
  std::thread a([&] {
    start.arrive_and_wait();
    r.invoke_array(t, 0, kN / 2, out.values(), e1, {});
  });
  std::thread b([&] {
    start.arrive_and_wait();
    r.invoke_array(t, kN / 2, kN, out.values(), e2, {});
  });
  a.join();
  b.join();
  const auto message = out.finish();
  const ResultArray back = ResultArray::decode(message, 0);
  for (std::size_t i = 0; i < kN; ++i) ASSERT_EQ(value_at<std::uint64_t>(back.values, i), i * i) << i;
}

}  // namespace
}  // namespace cohort::wire
