// TaskBatch / ResultBatch framing: round trips and garbage. Argument bytes here
// are opaque; typed encoding is in codec_test.cpp.
#include <cohort/wire/batch.hpp>

#include "wire_test_util.hpp"

#include <cohort/core/error.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cohort::wire {
namespace {

using test::bytes_of;
using test::expect_every_cut_fails;

std::string text_of(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::vector<std::byte> sample_tasks() {
  TaskBatchWriter w;
  w.add(1, 0, "square", bytes_of("abc"));
  w.add(2, 1, "cube", {});
  w.add(3, 0, "square", bytes_of("0123456789"));
  return w.finish(77, 5);
}

std::vector<std::byte> sample_results() {
  ResultBatchWriter w;
  w.add_value(1, 0, bytes_of("four"), 100, 250);
  w.add_error(2, 1, Errc::remote_error, "std::out_of_range", "index 9 >= 3", 300, 400);
  w.add_value(3, 0, {});
  return w.finish(78, 5);
}

// Flips bytes of the payload (the header checksum does not cover it): every
// outcome must be a clean decode or a DecodeError.
template <class Batch>
void expect_random_corruption_is_safe(const std::vector<std::byte>& m, unsigned seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < 3000; ++i) {
    auto bad = m;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bad[kHeaderSize + rng() % (bad.size() - kHeaderSize)] = static_cast<std::byte>(rng());
    }
    try {
      (void)Batch::decode(std::move(bad), 4);
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 4);
    }
  }
}

TEST(TaskBatch, RoundTrip) {
  const TaskBatch b = TaskBatch::decode(sample_tasks(), 0);
  EXPECT_EQ(b.header().kind, MessageKind::task_batch);
  EXPECT_EQ(b.header().batch_id, 77u);
  EXPECT_EQ(b.header().session_id, 5u);
  EXPECT_EQ(b.source_rank(), 0);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].id, 1u);
  EXPECT_EQ(b[0].name, "square");
  EXPECT_EQ(text_of(b[0].args), "abc");
  EXPECT_EQ(b[1].id, 2u);
  EXPECT_EQ(b[1].attempt, 1u);
  EXPECT_EQ(b[1].name, "cube");
  EXPECT_TRUE(b[1].args.empty());
  EXPECT_EQ(text_of(b[2].args), "0123456789");
  EXPECT_EQ(b[0].name.data(), b[2].name.data()) << "one name table entry per distinct name";
}

TEST(TaskBatch, EmptyBatchAndWriterReuse) {
  TaskBatchWriter w;
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(TaskBatch::decode(w.finish(1), 0).size(), 0u);
  w.add(9, 0, "t", bytes_of("x"));
  const TaskBatch b = TaskBatch::decode(w.finish(2), 0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].name, "t");
  EXPECT_TRUE(w.empty()) << "finish() leaves the writer ready for the next batch";
}

TEST(TaskBatch, ManyTasksAndNames) {
  TaskBatchWriter w;
  for (std::uint64_t i = 0; i < 5000; ++i) w.add(i, 0, "task" + std::to_string(i % 7), bytes_of(std::to_string(i)));
  const TaskBatch b = TaskBatch::decode(w.finish(3), 1);
  ASSERT_EQ(b.size(), 5000u);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    ASSERT_EQ(b[i].id, i);
    ASSERT_EQ(b[i].name, "task" + std::to_string(i % 7));
    ASSERT_EQ(text_of(b[i].args), std::to_string(i));
  }
}

TEST(TaskBatch, BeginAbortEnd) {
  TaskBatchWriter w;
  auto& buf = w.begin_task(1, 0, "a");
  buf.push_back(std::byte{1});
  w.abort_task();
  auto& buf2 = w.begin_task(2, 0, "b");
  buf2.push_back(std::byte{2});
  EXPECT_THROW(w.begin_task(3, 0, "c"), InvalidStateError);
  w.end_task();
  const TaskBatch b = TaskBatch::decode(w.finish(1), 0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].id, 2u);
  EXPECT_EQ(b[0].args.size(), 1u);
}

TEST(TaskBatch, RefusesOverlongName) {
  TaskBatchWriter w;
  EXPECT_THROW(w.add(1, 0, std::string(kMaxTaskNameBytes + 1, 'x'), {}), Error);
}

TEST(TaskBatchGarbage, WrongKind) {
  try {
    (void)TaskBatch::decode(sample_results(), 6);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("expected a task_batch message, got result_batch"), std::string::npos);
    EXPECT_EQ(e.source_rank(), 6);
  }
}

TEST(TaskBatchGarbage, HugeTaskCountAllocatesNothing) {
  auto m = sample_tasks();
  const std::uint32_t huge = 0xFFFFFFFF;
  std::memcpy(m.data() + kHeaderSize, &huge, 4);
  EXPECT_THROW((void)TaskBatch::decode(m, 0), DecodeError);
  DecodeLimits generous;
  generous.max_tasks_per_batch = huge;
  try {
    (void)TaskBatch::decode(m, 0, generous);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot fit"), std::string::npos) << e.what();
  }
}

TEST(TaskBatchGarbage, ArgumentLengthTwoToThe63) {
  auto m = sample_tasks();
  const std::uint64_t huge = std::uint64_t{1} << 63;
  std::memcpy(m.data() + kHeaderSize + 16 + 16, &huge, 8);  // first record's arg_len
  try {
    (void)TaskBatch::decode(m, 0);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("arguments of task 1 claim 9223372036854775808 bytes"), std::string::npos)
        << e.what();
  }
}

TEST(TaskBatchGarbage, NameIndexOutOfTable) {
  auto m = sample_tasks();
  const std::uint32_t index = 9;
  std::memcpy(m.data() + kHeaderSize + 16 + 12, &index, 4);
  EXPECT_THROW((void)TaskBatch::decode(m, 0), DecodeError);
}

TEST(TaskBatchGarbage, EveryTruncation) { expect_every_cut_fails<TaskBatch>(sample_tasks()); }
TEST(TaskBatchGarbage, RandomCorruption) { expect_random_corruption_is_safe<TaskBatch>(sample_tasks(), 11); }

TEST(ResultBatch, RoundTrip) {
  const ResultBatch b = ResultBatch::decode(sample_results(), 3);
  EXPECT_EQ(b.header().kind, MessageKind::result_batch);
  EXPECT_EQ(b.header().batch_id, 78u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(b[0].ok());
  EXPECT_EQ(text_of(b[0].value), "four");
  EXPECT_EQ(b[0].start_ns, 100);
  EXPECT_EQ(b[0].end_ns, 250);
  EXPECT_FALSE(b[1].ok());
  EXPECT_EQ(b[1].status, Errc::remote_error);
  EXPECT_EQ(b[1].attempt, 1u);
  EXPECT_EQ(b[1].error_type, "std::out_of_range");
  EXPECT_EQ(b[1].error_message, "index 9 >= 3");
  EXPECT_TRUE(b[2].ok());
  EXPECT_TRUE(b[2].value.empty());
}

TEST(ResultBatch, AppendMergesWriters) {
  ResultBatchWriter a, b;
  a.add_value(1, 0, bytes_of("x"));
  b.add_error(2, 0, Errc::unknown_task, "cohort::Error", "no task named 'q'");
  b.add_value(3, 0, bytes_of("yz"));
  a.append(b);
  EXPECT_EQ(a.size(), 3u);
  const ResultBatch r = ResultBatch::decode(a.finish(1), 0);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].status, Errc::unknown_task);
  EXPECT_EQ(text_of(r[2].value), "yz");
}

TEST(ResultBatch, LongErrorTextIsClippedSoItDecodes) {
  ResultBatchWriter w;
  w.add_error(1, 0, Errc::remote_error, "T", std::string(1 << 20, 'm'));
  const ResultBatch r = ResultBatch::decode(w.finish(1), 0);
  EXPECT_EQ(r[0].error_message.size(), DecodeLimits{}.max_error_text_bytes);
}

TEST(ResultBatch, ToException) {
  const ResultBatch b = ResultBatch::decode(sample_results(), 3);
  EXPECT_EQ(to_exception(b[0], 3, "node7"), nullptr);
  try {
    std::rethrow_exception(to_exception(b[1], 3, "node7"));
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.task_id(), 2u);
    EXPECT_EQ(e.rank(), 3);
    EXPECT_EQ(e.host(), "node7");
    EXPECT_EQ(e.type(), "std::out_of_range");
    EXPECT_EQ(e.message(), "index 9 >= 3");
  }
  ResultBatchWriter w;
  w.add_error(5, 0, Errc::unknown_task, "cohort::Error", "no task named 'q'");
  const ResultBatch u = ResultBatch::decode(w.finish(1), 0);
  try {
    std::rethrow_exception(to_exception(u[0], 1, "h"));
  } catch (const Error& e) {
    EXPECT_EQ(e.errc(), Errc::unknown_task);
    EXPECT_STREQ(e.what(), "no task named 'q'");
  }
}

TEST(ResultBatchGarbage, WrongKind) { EXPECT_THROW((void)ResultBatch::decode(sample_tasks(), 0), DecodeError); }
TEST(ResultBatchGarbage, EveryTruncation) { expect_every_cut_fails<ResultBatch>(sample_results()); }
TEST(ResultBatchGarbage, RandomCorruption) { expect_random_corruption_is_safe<ResultBatch>(sample_results(), 12); }

TEST(ResultBatchGarbage, ValueLengthTwoToThe63) {
  auto m = sample_results();
  const std::uint64_t huge = std::uint64_t{1} << 63;
  std::memcpy(m.data() + kHeaderSize + 8 + 32, &huge, 8);
  EXPECT_THROW((void)ResultBatch::decode(m, 0), DecodeError);
}

TEST(BatchGarbage, RandomMessagesWithValidEnvelope) {
  // Random payloads in a valid envelope reach the batch decoders proper.
  std::mt19937_64 rng(99);
  for (int i = 0; i < 4000; ++i) {
    std::vector<std::byte> payload(rng() % 200);
    for (auto& b : payload) b = static_cast<std::byte>(rng() % (i % 3 == 0 ? 4 : 256));  // many small numbers
    EnvelopeHeader h;
    h.kind = i % 2 ? MessageKind::task_batch : MessageKind::result_batch;
    auto m = encode_envelope(h, payload);
    try {
      if (h.kind == MessageKind::task_batch) {
        (void)TaskBatch::decode(std::move(m), 1);
      } else {
        (void)ResultBatch::decode(std::move(m), 1);
      }
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.source_rank(), 1);
    }
  }
}

}  // namespace
}  // namespace cohort::wire
