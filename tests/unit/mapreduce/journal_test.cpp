// The journal file format: round trip, torn tails, garbage, mismatches.
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/journal.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;
using namespace cohort::mapreduce;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/cohort-journal-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

JournalHeader header() {
  JournalHeader h;
  h.version = "1.2.3";
  h.job = "wordcount";
  h.options = {{"top", "10"}, {"lower", "true"}};
  h.inputs = {{"in/a.txt", 100, 1700000000123456789}, {"in/b.txt", 7, 1700000000000000000}};
  h.plan = {65536, 0, 4, 8, false, 2, 0x1234567890abcdefull};
  return h;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string binary_blob() {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 7));  // NULs and high bytes
  return s;
}

}  // namespace

TEST(Journal, RoundTripsHeaderAndRecords) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  {
    JournalWriter w = JournalWriter::create(p, header());
    w.append(JournalRecord::Kind::task, 0, 1, "one");
    w.append(JournalRecord::Kind::task, 0, 0, binary_blob());
    w.append(JournalRecord::Kind::round, 0, 0, "");
    EXPECT_EQ(w.appended(), 3u);
  }
  const auto c = read_journal(p);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->header, header());
  ASSERT_EQ(c->records.size(), 3u);
  EXPECT_EQ(c->records[0].kind, JournalRecord::Kind::task);
  EXPECT_EQ(c->records[0].index, 1u);
  EXPECT_EQ(c->records[0].data, "one");
  EXPECT_EQ(c->records[1].data, binary_blob());
  EXPECT_EQ(c->records[2].kind, JournalRecord::Kind::round);
  EXPECT_EQ(c->valid_bytes, c->file_bytes);
  EXPECT_EQ(c->file_bytes, fs::file_size(p));
}

TEST(Journal, MissingOrEmptyFileIsNoJournal) {
  TempDir dir;
  EXPECT_FALSE(read_journal(dir.path / "nope").has_value());
  spit(dir.path / "empty", "");
  EXPECT_FALSE(read_journal(dir.path / "empty").has_value());
  spit(dir.path / "half-magic", "COHO");  // a crash while creating it
  EXPECT_FALSE(read_journal(dir.path / "half-magic").has_value());
}

TEST(Journal, TornTailAtEveryCutIsIgnoredAndCutOnReopen) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  {
    JournalWriter w = JournalWriter::create(p, header());
    w.append(JournalRecord::Kind::task, 0, 0, "first");
    w.append(JournalRecord::Kind::task, 0, 1, "second record");
  }
  const std::string whole = slurp(p);
  const auto full = read_journal(p);
  ASSERT_TRUE(full.has_value());
  const std::size_t last_record = full->file_bytes - (8 + 13 + std::string("second record").size());
  for (std::size_t cut = last_record; cut < whole.size(); ++cut) {
    spit(p, whole.substr(0, cut));
    const auto c = read_journal(p);
    ASSERT_TRUE(c.has_value()) << "cut at " << cut;
    ASSERT_EQ(c->records.size(), 1u) << "cut at " << cut;
    EXPECT_EQ(c->records[0].data, "first");
    EXPECT_EQ(c->valid_bytes, last_record);
  }
  // Reopening cuts the torn bytes; what is appended next reads back.
  spit(p, whole.substr(0, whole.size() - 3));
  const auto torn = read_journal(p);
  ASSERT_TRUE(torn.has_value());
  {
    JournalWriter w = JournalWriter::reopen(p, torn->valid_bytes);
    w.append(JournalRecord::Kind::task, 0, 1, "again");
  }
  const auto c = read_journal(p);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->records.size(), 2u);
  EXPECT_EQ(c->records[1].data, "again");
  EXPECT_EQ(c->valid_bytes, c->file_bytes);
}

TEST(Journal, FlippedByteInTheLastRecordEndsTheJournalThere) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  {
    JournalWriter w = JournalWriter::create(p, header());
    w.append(JournalRecord::Kind::task, 0, 0, "first");
    w.append(JournalRecord::Kind::task, 0, 1, "second");
  }
  std::string bytes = slurp(p);
  bytes[bytes.size() - 2] ^= 0x40;  // checksum no longer matches
  spit(p, bytes);
  const auto c = read_journal(p);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->records.size(), 1u);
  EXPECT_LT(c->valid_bytes, c->file_bytes);
}

TEST(Journal, HeaderTornWhileCreatingIsNoJournal) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  { JournalWriter w = JournalWriter::create(p, header()); }
  const std::string whole = slurp(p);
  spit(p, whole.substr(0, whole.size() - 1));
  EXPECT_FALSE(read_journal(p).has_value());
}

TEST(Journal, GarbageIsRefusedNamingTheFile) {
  TempDir dir;
  const fs::path p = dir.path / "not-a-journal.tsv";
  spit(p, "the\t3\nquick\t1\n");
  try {
    (void)read_journal(p);
    FAIL() << "garbage was read as a journal";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::journal_mismatch);
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a Cohort journal"), std::string::npos) << e.what();
  }
  // Right magic, another format version.
  spit(p, std::string("COHORTJ\n") + std::string("\x09\x00\x00\x00", 4));
  EXPECT_THROW((void)read_journal(p), cohort::Error);
}

TEST(Journal, ARecordWithAGoodChecksumButBadContentIsAnError) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  { JournalWriter w = JournalWriter::create(p, header()); }
  std::string bytes = slurp(p);
  // A well-framed record (right length and CRC-32) of an unknown kind.
  const std::string payload = "Z12345678901234";
  auto le32 = [](std::uint32_t v) {
    std::string s;
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return s;
  };
  // CRC-32 (zlib) of the payload, computed here independently.
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : payload) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  crc ^= 0xFFFFFFFFu;
  spit(p, bytes + le32(static_cast<std::uint32_t>(payload.size())) + le32(crc) + payload);
  try {
    (void)read_journal(p);
    FAIL() << "a record of unknown kind was accepted";
  } catch (const cohort::Error& e) {
    EXPECT_EQ(e.errc(), cohort::Errc::journal_mismatch);
    EXPECT_NE(std::string(e.what()).find("unknown record kind"), std::string::npos) << e.what();
  }
}

TEST(Journal, DifferencesNameWhatDiffers) {
  const JournalHeader a = header();
  EXPECT_EQ(describe_differences(a, a), "");

  JournalHeader b = a;
  b.inputs[1].size = 8;
  std::string d = describe_differences(a, b);
  EXPECT_NE(d.find("input file list"), std::string::npos) << d;
  EXPECT_NE(d.find("'in/b.txt' has 8 bytes, the journal says 7"), std::string::npos) << d;

  b = a;
  b.inputs[0].mtime_ns += 1;
  d = describe_differences(a, b);
  EXPECT_NE(d.find("'in/a.txt' was modified"), std::string::npos) << d;

  b = a;
  b.inputs.pop_back();
  EXPECT_NE(describe_differences(a, b).find("lists 2 file(s), this run has 1"), std::string::npos);

  b = a;
  b.job = "invindex";
  b.version = "9.9.9";
  d = describe_differences(a, b);
  EXPECT_NE(d.find("job name"), std::string::npos) << d;
  EXPECT_NE(d.find("Cohort version"), std::string::npos) << d;
  EXPECT_NE(d.find("9.9.9"), std::string::npos) << d;

  b = a;
  b.options[0].second = "20";
  d = describe_differences(a, b);
  EXPECT_NE(d.find("job options"), std::string::npos) << d;
  EXPECT_NE(d.find("--top 20"), std::string::npos) << d;

  b = a;
  b.plan.split_bytes = 1024;
  d = describe_differences(a, b);
  EXPECT_NE(d.find("split plan: split size 1024 (journal: 65536)"), std::string::npos) << d;
}

TEST(Journal, AppendAfterMoveWritesToTheSameFile) {
  TempDir dir;
  const fs::path p = dir.path / "j";
  JournalWriter w = JournalWriter::create(p, header(), {1, std::chrono::milliseconds(0)});
  JournalWriter moved = std::move(w);
  moved.append(JournalRecord::Kind::task, 3, 4, "x");
  moved.sync();
  const auto c = read_journal(p);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->records.size(), 1u);
  EXPECT_EQ(c->records[0].round, 3u);
  EXPECT_EQ(c->records[0].index, 4u);
}
