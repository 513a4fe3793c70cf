// Columnar task/result arrays (array_batch.hpp): round trips and garbage.
#include <cohort/wire/array_batch.hpp>

#include "wire_test_util.hpp"

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cohort::wire {
namespace {

using test::expect_every_cut_fails;

std::vector<std::byte> u64s(std::initializer_list<std::uint64_t> xs) {
  std::vector<std::byte> b(xs.size() * 8);
  std::size_t at = 0;
  for (std::uint64_t x : xs) {
    std::memcpy(b.data() + at, &x, 8);
    at += 8;
  }
  return b;
}

std::uint64_t u64_at(std::span<const std::byte> b, std::size_t i) {
  std::uint64_t x;
  std::memcpy(&x, b.data() + i * 8, 8);
  return x;
}

std::vector<std::byte> sample_tasks() { return encode_task_array(41, 1000, 2, "noop", 3, 8, 8, u64s({7, 8, 9}), 5); }

std::vector<std::byte> sample_results() {
  const auto tasks_bytes = sample_tasks();
  const TaskArray t = TaskArray::decode(tasks_bytes, 0);
  ArrayResultWriter w(t);
  auto v = w.values();
  for (std::size_t i = 0; i < 3; ++i) {
    const std::uint64_t x = 100 + i;
    std::memcpy(v.data() + i * 8, &x, 8);
  }
  w.add_error({2, Errc::remote_error, "std::out_of_range", "index 9"});
  w.add_error({0, Errc::unknown_task, "cohort::Error", "no task"});
  return w.finish(11, 22, 5);
}

TEST(TaskArray, RoundTrip) {
  const auto m = sample_tasks();
  const TaskArray t = TaskArray::decode(m, 3);
  EXPECT_EQ(t.batch_id, 41u);
  EXPECT_EQ(t.first_id, 1000u);
  EXPECT_EQ(t.count, 3u);
  EXPECT_EQ(t.attempt, 2u);
  EXPECT_EQ(t.arg_size, 8u);
  EXPECT_EQ(t.result_size, 8u);
  EXPECT_EQ(t.name, "noop");
  EXPECT_EQ(t.source_rank, 3);
  EXPECT_EQ(t.id_of(2), 1002u);
  EXPECT_EQ(u64_at(t.args_of(1), 0), 8u);
  EXPECT_EQ(t.args.data(), m.data() + m.size() - 24) << "arguments are a view, not a copy";
  EXPECT_EQ(decode_envelope(m, 0).header.session_id, 5u);
}

TEST(TaskArray, ZeroSizedArgumentsAndVoidResults) {
  const auto m = encode_task_array(1, 0, 0, "tick", 4, 0, 0, {});
  const TaskArray t = TaskArray::decode(m, 0);
  EXPECT_EQ(t.count, 4u);
  EXPECT_TRUE(t.args_of(3).empty());
  ArrayResultWriter w(t);
  EXPECT_TRUE(w.values().empty());
  const auto r = w.finish();
  const ResultArray a = ResultArray::decode(r, 1);
  EXPECT_EQ(a.count, 4u);
  EXPECT_TRUE(a.values.empty());
  EXPECT_TRUE(a.errors.empty());
}

TEST(TaskArray, EncoderRefusesWhatCannotDecode) {
  EXPECT_THROW(encode_task_array(1, 0, 0, "", 1, 8, 8, u64s({1})), Error);
  EXPECT_THROW(encode_task_array(1, 0, 0, std::string(1025, 'n'), 1, 8, 8, u64s({1})), Error);
  EXPECT_THROW(encode_task_array(1, 0, 0, "f", 0, 8, 8, {}), Error);
  EXPECT_THROW(encode_task_array(1, 0, 0, "f", 2, 8, 8, u64s({1})), Error);
}

TEST(ResultArray, RoundTripWithErrorsInAnyOrder) {
  const auto m = sample_results();
  const ResultArray a = ResultArray::decode(m, 2);
  EXPECT_EQ(a.batch_id, 41u);
  EXPECT_EQ(a.task_batch_id, 41u);
  EXPECT_EQ(a.first_id, 1000u);
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.attempt, 2u);
  EXPECT_EQ(a.result_size, 8u);
  EXPECT_EQ(a.start_ns, 11);
  EXPECT_EQ(a.end_ns, 22);
  EXPECT_EQ(u64_at(a.value_of(1), 0), 101u);
  EXPECT_EQ(u64_at(a.value_of(0), 0), 0u) << "a failed task's value bytes are zeroed";
  EXPECT_EQ(u64_at(a.value_of(2), 0), 0u);
  ASSERT_EQ(a.errors.size(), 2u);
  EXPECT_EQ(a.errors[0].index, 0u);
  EXPECT_EQ(a.errors[0].status, Errc::unknown_task);
  EXPECT_EQ(a.errors[1].index, 2u);
  EXPECT_EQ(a.errors[1].type, "std::out_of_range");
  EXPECT_EQ(a.errors[1].message, "index 9");
}

TEST(ResultArray, WriterRefusesBadErrors) {
  const auto tb = sample_tasks();
  ArrayResultWriter w(TaskArray::decode(tb, 0));
  EXPECT_THROW(w.add_error({3, Errc::remote_error, "t", "m"}), Error);
  EXPECT_THROW(w.add_error({0, Errc::ok, "t", "m"}), Error);
  w.add_error({1, Errc::remote_error, "t", "m"});
  w.add_error({1, Errc::remote_error, "t", "again"});
  EXPECT_THROW((void)w.finish(), InvalidStateError);
}

TEST(ResultArray, LongErrorTextsAreTruncatedSoTheyDecode) {
  const auto tb = sample_tasks();
  ArrayResultWriter w(TaskArray::decode(tb, 0));
  w.add_error({1, Errc::remote_error, "t", std::string(200'000, 'x')});
  const auto m = w.finish();
  const ResultArray a = ResultArray::decode(m, 0);
  EXPECT_EQ(a.errors.at(0).message.size(), DecodeLimits{}.max_error_text_bytes);
}

// ---- garbage -------------------------------------------------------------------

// Changes payload bytes behind a valid envelope: a clean decode or a DecodeError, never more.
template <class Array>
void expect_random_corruption_is_safe(const std::vector<std::byte>& m, unsigned seed) {
  std::mt19937 rng(seed);
  const auto payload = std::span(m).subspan(kHeaderSize);
  for (int i = 0; i < 4000; ++i) {
    std::vector<std::byte> bad(payload.begin(), payload.end());
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<std::byte>(rng() % 3 ? rng() % 4 : rng());
    if (rng() % 4 == 0) bad.resize(rng() % (bad.size() + 8));
    EnvelopeHeader h = decode_envelope(m, 0).header;
    const auto msg = encode_envelope(h, bad);
    try {
      (void)Array::decode(msg, 4);
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 4);
    }
  }
}

std::vector<std::byte> poke32(std::vector<std::byte> m, std::size_t payload_offset, std::uint32_t v) {
  std::memcpy(m.data() + kHeaderSize + payload_offset, &v, 4);
  return m;
}

// The DecodeError text of decoding `m` as an Array (a test failure if it decodes).
template <class Array>
std::string error_of(const std::vector<std::byte>& m, const DecodeLimits& limits = {}) {
  try {
    (void)Array::decode(m, 6, limits);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.source_rank(), 6);
    return e.what();
  }
  ADD_FAILURE() << "decoded";
  return {};
}

TEST(TaskArrayGarbage, EveryTruncationFails) { expect_every_cut_fails<TaskArray>(sample_tasks()); }
TEST(TaskArrayGarbage, RandomCorruptionIsSafe) { expect_random_corruption_is_safe<TaskArray>(sample_tasks(), 3); }

TEST(TaskArrayGarbage, CountsAndSizesMustMatchTheBytes) {
  const auto m = sample_tasks();
  EXPECT_NE(error_of<TaskArray>(poke32(m, 8, 0)).find("an empty task array"), std::string::npos);
  EXPECT_NE(error_of<TaskArray>(poke32(m, 8, 4)).find("need 32 bytes, the message has 24"), std::string::npos);
  EXPECT_NE(error_of<TaskArray>(poke32(m, 8, 0xFFFFFFFF)).find("over the cap"), std::string::npos);
  EXPECT_NE(error_of<TaskArray>(poke32(m, 16, 0x80000000)).find("argument bytes need"), std::string::npos);
  // A result size that would make the worker allocate terabytes is refused up front.
  EXPECT_NE(error_of<TaskArray>(poke32(m, 20, 0xFFFFFFFF)).find("over the payload cap"), std::string::npos);
  EXPECT_NE(error_of<TaskArray>(poke32(m, 28, 1)).find("reserved"), std::string::npos);
  EXPECT_NE(error_of<TaskArray>(m, DecodeLimits{.max_tasks_per_batch = 2}).find("3 tasks is over the cap of 2"),
            std::string::npos);
  EXPECT_NE(error_of<TaskArray>(poke32(m, 8, 0)).find("task array 41"), std::string::npos) << "names the batch";
}

TEST(TaskArrayGarbage, NameLengthIsChecked) {
  auto m = sample_tasks();
  const std::uint16_t zero = 0, big = 2000;
  std::memcpy(m.data() + kHeaderSize + 24, &zero, 2);
  EXPECT_NE(error_of<TaskArray>(m).find("task name of 0 bytes"), std::string::npos);
  std::memcpy(m.data() + kHeaderSize + 24, &big, 2);
  EXPECT_NE(error_of<TaskArray>(m).find("task name of 2000 bytes"), std::string::npos);
}

TEST(TaskArrayGarbage, AResultArrayIsNotATaskArray) {
  EXPECT_NE(error_of<TaskArray>(sample_results()).find("expected a task_array message, got result_array"),
            std::string::npos);
}

TEST(ResultArrayGarbage, EveryTruncationFails) { expect_every_cut_fails<ResultArray>(sample_results()); }
TEST(ResultArrayGarbage, RandomCorruptionIsSafe) { expect_random_corruption_is_safe<ResultArray>(sample_results(), 5); }

TEST(ResultArrayGarbage, ErrorListIsChecked) {
  const auto m = sample_results();
  // Error records start after the 48-byte preamble and 24 value bytes.
  const std::size_t first_error = 48 + 24;
  EXPECT_NE(error_of<ResultArray>(poke32(m, 28, 4)).find("4 errors for 3 results"), std::string::npos);
  EXPECT_NE(error_of<ResultArray>(poke32(m, first_error, 3)).find("names result 3 of 3"), std::string::npos);
  EXPECT_NE(error_of<ResultArray>(poke32(m, first_error, 2)).find("not strictly increasing"), std::string::npos);
  auto ok_status = m;
  const std::uint16_t zero = 0;
  std::memcpy(ok_status.data() + kHeaderSize + first_error + 4, &zero, 2);
  EXPECT_NE(error_of<ResultArray>(ok_status).find("has status ok"), std::string::npos);
  EXPECT_NE(error_of<ResultArray>(poke32(m, first_error + 8, 0x7FFFFFFF)).find("over the cap"), std::string::npos);
  EXPECT_NE(error_of<ResultArray>(poke32(m, 16, 0)).find("an empty result array"), std::string::npos);
  EXPECT_NE(error_of<ResultArray>(poke32(m, 24, 0x10000000)).find("results of 268435456 bytes need"),
            std::string::npos);
  auto trailing = m;
  trailing.push_back(std::byte{0});
  // The envelope's length no longer matches: refused either way.
  EXPECT_THROW((void)ResultArray::decode(trailing, 0), DecodeError);
  const auto payload = std::span(m).subspan(kHeaderSize);
  std::vector<std::byte> longer(payload.begin(), payload.end());
  longer.push_back(std::byte{0});
  EXPECT_NE(error_of<ResultArray>(encode_envelope(decode_envelope(m, 0).header, longer)).find("trailing bytes"),
            std::string::npos);
}

TEST(ArrayGarbage, RandomMessagesWithValidEnvelope) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 4000; ++i) {
    std::vector<std::byte> payload(rng() % 120);
    for (auto& b : payload) b = static_cast<std::byte>(rng() % (i % 3 == 0 ? 4 : 256));
    EnvelopeHeader h;
    h.kind = i % 2 ? MessageKind::task_array : MessageKind::result_array;
    const auto m = encode_envelope(h, payload);
    try {
      if (h.kind == MessageKind::task_array) {
        (void)TaskArray::decode(m, 1);
      } else {
        (void)ResultArray::decode(m, 1);
      }
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 1);
    }
  }
}

}  // namespace
}  // namespace cohort::wire
