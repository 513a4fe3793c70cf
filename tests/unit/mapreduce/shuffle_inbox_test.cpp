// The mpi shuffle's inbox (src/mapreduce/shuffle_peers.hpp) without MPI: what
// a worker keeps of the peer messages, how its reduce task takes them, and the
// errors that name what is missing or wrong.
#include "shuffle_peers.hpp"

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/codec.hpp>

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <thread>
#include <vector>

using cohort::mapreduce::ByteWriter;
using cohort::mapreduce::detail::ShuffleInbox;
using namespace std::chrono_literals;

namespace {

// One peer message as send_partitions() makes it: the header, then chunk k's bytes.
std::string message(std::uint64_t run, std::uint32_t round, std::uint32_t partition, std::uint64_t split,
                    std::uint64_t k, std::uint64_t chunks, std::uint64_t total, const std::string& bytes) {
  std::string m;
  ByteWriter w(m);
  for (std::uint64_t v : {run, std::uint64_t{round}, std::uint64_t{partition}, split, k, chunks, total}) w.varint(v);
  return m + bytes;
}

void put(ShuffleInbox& box, const std::string& m, int source = 3) {
  box.put(source, std::as_bytes(std::span(m.data(), m.size())));
}

using Expected = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

}  // namespace

TEST(ShuffleInbox, JoinsChunksAndGivesBlocksInSplitOrder) {
  ShuffleInbox box;
  box.begin_run(7);
  put(box, message(7, 0, 2, 5, 1, 2, 6, "def"));  // chunks out of order
  put(box, message(7, 0, 2, 1, 0, 1, 2, "xy"));
  put(box, message(7, 0, 2, 5, 0, 2, 6, "abc"));
  put(box, message(7, 0, 3, 1, 0, 1, 1, "z"));   // another partition: not taken below
  const auto blocks = box.take(7, 0, 2, Expected{{1, 2}, {4, 0}, {5, 6}}, 0ms);
  EXPECT_EQ(blocks, (std::vector<std::string>{"xy", "abcdef"}));
  EXPECT_EQ(box.blocks_held(), 1u) << "partition 3's block stays";
}

TEST(ShuffleInbox, ARetriedMapTaskReplacesItsChunksAndCountsOnce) {
  ShuffleInbox box;
  box.begin_run(7);
  put(box, message(7, 1, 0, 0, 0, 2, 4, "ab"));
  put(box, message(7, 1, 0, 0, 0, 2, 4, "ab"));  // the retry's copy of chunk 0
  EXPECT_THROW(box.take(7, 1, 0, Expected{{0, 4}}, 0ms), cohort::Error) << "chunk 1 is still missing";
  put(box, message(7, 1, 0, 0, 1, 2, 4, "cd"));
  EXPECT_EQ(box.take(7, 1, 0, Expected{{0, 4}}, 0ms), std::vector<std::string>{"abcd"});
}

TEST(ShuffleInbox, ATimeoutNamesTheRunRoundPartitionAndMissingSplits) {
  ShuffleInbox box;
  box.begin_run(9);
  put(box, message(9, 0, 4, 2, 0, 1, 3, "abc"));
  try {
    box.take(9, 0, 4, Expected{{1, 5}, {2, 3}, {6, 8}}, 0ms);
    ADD_FAILURE() << "expected a timeout";
  } catch (const cohort::Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), cohort::Errc::timeout);
    EXPECT_NE(what.find("run 9, round 1, partition 4"), std::string::npos) << what;
    EXPECT_NE(what.find("map split(s) 1, 6 did not arrive"), std::string::npos) << what;
  }
}

TEST(ShuffleInbox, AWaitingReduceWakesWhenTheLastChunkArrives) {
  ShuffleInbox box;
  box.begin_run(1);
  std::vector<std::string> got;
  // A wait far past the test's CTest TIMEOUT (120 s): without the wake-up on
  // the last chunk this hangs and fails, instead of passing after a timeout.
  std::thread reducer([&] { got = box.take(1, 0, 0, Expected{{0, 3}, {1, 2}}, 1000s); });
  put(box, message(1, 0, 0, 1, 0, 1, 2, "de"));
  while (box.waiting() == 0) std::this_thread::yield();  // the reduce waits for split 0 now
  put(box, message(1, 0, 0, 0, 0, 1, 3, "abc"));
  reducer.join();
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "de"}));
}

TEST(ShuffleInbox, ASizeOtherThanTheMapTaskReportedIsAnError) {
  ShuffleInbox box;
  box.begin_run(1);
  put(box, message(1, 0, 0, 0, 0, 1, 3, "abc"));
  try {
    box.take(1, 0, 0, Expected{{0, 4}}, 0ms);
    ADD_FAILURE() << "expected an error";
  } catch (const cohort::Error& e) {
    EXPECT_NE(std::string(e.what()).find("split 0 sent 3 bytes, its map task reported 4"), std::string::npos)
        << e.what();
  }
}

TEST(ShuffleInbox, DataOfAnotherOrEndedRunIsDroppedAndEndingWakesAWaitingReduce) {
  ShuffleInbox box;
  put(box, message(5, 0, 0, 0, 0, 1, 1, "a"));  // no run begun here
  box.begin_run(6);
  put(box, message(5, 0, 0, 0, 0, 1, 1, "a"));  // another run
  EXPECT_EQ(box.blocks_held(), 0u);
  put(box, message(6, 0, 0, 0, 0, 1, 1, "a"));
  box.park(6, 0, 1, "records");
  EXPECT_EQ(box.blocks_held(), 2u);
  std::thread reducer([&] {  // (1000 s: only end_run's wake-up ends the wait within the test's TIMEOUT)
    try {
      box.take(6, 0, 2, Expected{{0, 1}}, 1000s);
      ADD_FAILURE() << "expected the wait to be cancelled";
    } catch (const cohort::Error& e) {
      EXPECT_EQ(e.code(), cohort::Errc::cancelled) << e.what();
    }
  });
  while (box.waiting() == 0) std::this_thread::yield();  // the reduce waits now
  box.end_run(6);
  reducer.join();
  EXPECT_EQ(box.blocks_held(), 0u);
  put(box, message(6, 0, 0, 0, 0, 1, 1, "a"));  // late data of the ended run
  EXPECT_EQ(box.blocks_held(), 0u);
}

TEST(ShuffleInbox, AMalformedMessageIsADecodeErrorNamingTheSender) {
  ShuffleInbox box;
  box.begin_run(1);
  const std::string truncated = message(1, 0, 0, 0, 0, 1, 3, "abc").substr(0, 3);
  try {
    put(box, truncated, 4);
    ADD_FAILURE() << "expected a DecodeError";
  } catch (const cohort::DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 4"), std::string::npos) << e.what();
  }
  try {
    put(box, message(1, 0, 0, 0, 3, 2, 3, "abc"), 4);  // chunk 3 of 2
    ADD_FAILURE() << "expected a DecodeError";
  } catch (const cohort::DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk 3 of 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rank 4"), std::string::npos) << e.what();
  }
  EXPECT_EQ(box.blocks_held(), 0u);
}

TEST(ShuffleInbox, SettleWaitsForEveryMessageSentHereDuplicatesIncluded) {
  ShuffleInbox box;
  box.begin_run(4);
  EXPECT_TRUE(box.settle(4, 0, 0ms));
  put(box, message(4, 0, 0, 0, 0, 2, 2, "a"));
  put(box, message(4, 0, 0, 0, 0, 2, 2, "a"));  // a retry's copy counts: it arrived
  EXPECT_FALSE(box.settle(4, 3, 0ms));
  std::thread ender([&] { EXPECT_TRUE(box.settle(4, 3, 60s)); });
  put(box, message(4, 0, 1, 0, 0, 1, 1, "b"));
  ender.join();
  EXPECT_EQ(cohort::mapreduce::detail::chunk_count(0, 4), 0u);
  EXPECT_EQ(cohort::mapreduce::detail::chunk_count(9, 4), 3u);
  EXPECT_EQ(cohort::mapreduce::detail::chunk_count(8, 4), 2u);
}

TEST(ShuffleInbox, ALocalBlockNeedsNoMessageAndCountsAsTheMessagesItWouldHaveTaken) {
  ShuffleInbox box;
  box.begin_run(8);
  box.put_local(8, 0, 1, 3, "local", 2);
  put(box, message(8, 0, 1, 0, 0, 1, 2, "ab"));
  EXPECT_TRUE(box.settle(8, 3, 0ms));
  EXPECT_EQ(box.take(8, 0, 1, Expected{{0, 2}, {3, 5}}, 0ms), (std::vector<std::string>{"ab", "local"}));
  box.put_local(7, 0, 1, 3, "other run", 1);  // dropped
  EXPECT_EQ(box.blocks_held(), 0u);
}

TEST(ShuffleInbox, AParkedOutputIsFetchedInPiecesAndFreedByTheLast) {
  ShuffleInbox box;
  box.begin_run(2);
  box.park(2, 0, 3, "0123456789");
  EXPECT_EQ(box.fetch(2, 0, 3, 0, 4), "0123");
  EXPECT_EQ(box.fetch(2, 0, 3, 4, 4), "4567");
  EXPECT_EQ(box.fetch(2, 0, 3, 8, 4), "89");
  EXPECT_EQ(box.blocks_held(), 0u);
  EXPECT_THROW(box.fetch(2, 0, 3, 0, 4), cohort::Error);
}
