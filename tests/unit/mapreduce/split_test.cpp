// Inputs, splits and record readers: every word and every line is read exactly
// once, whole, whatever the split size.

#include <cohort/mapreduce/reader.hpp>
#include <cohort/mapreduce/split.hpp>

#include "test_util.hpp"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

using namespace cohort::mapreduce;
using cohort::Errc;
using test::Scratch;
namespace fs = std::filesystem;

namespace {

// Reference word counts by a different method: blank every non-alnum byte,
// then let a stringstream split on blanks.
std::map<std::string, int> reference_words(const std::vector<std::string>& texts) {
  std::map<std::string, int> counts;
  for (std::string t : texts) {
    for (char& c : t) {
      const auto u = static_cast<unsigned char>(c);
      c = (u < 128 && std::isalnum(u)) ? static_cast<char>(std::tolower(u)) : ' ';
    }
    std::istringstream in(t);
    std::string w;
    while (in >> w) ++counts[w];
  }
  return counts;
}

std::map<std::string, int> words_of(const std::vector<Split>& splits) {
  std::map<std::string, int> counts;
  for (const auto& s : splits) for_each_word(s, [&](const FileRange&, std::string_view w) { ++counts[std::string(w)]; });
  return counts;
}

std::vector<std::string> reference_lines(const std::vector<std::string>& texts) {
  std::vector<std::string> lines;
  for (const auto& t : texts) {
    std::istringstream in(t);
    std::string l;
    while (std::getline(in, l)) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines.push_back(l);
    }
  }
  return lines;
}

const std::vector<std::string> kTexts = {
    "The quick brown Fox -- jumps over the lazy dog.\nThe DOG sleeps; the fox doesn't!\n\n"
    "e-mail: x1@y2.org, 42 times 42 is 1764\r\nCamelCaseWord and snake_case_word\n",
    "",  // an empty file among others
    "no newline at the end, a trailing word",
    "\n\n  leading blanks\n\t\ttabs\tand\tmore\n2024-11-26 caf\xc3\xa9 na\xc3\xafve \xff\xfe bytes\n",
    "x",
};

}  // namespace

class SplitTest : public Scratch {
 protected:
  std::vector<InputFile> make_inputs() {
    for (std::size_t i = 0; i < kTexts.size(); ++i) write("in/f" + std::to_string(i) + ".txt", kTexts[i]);
    return collect_inputs({dir_ / "in"});
  }
};

TEST_F(SplitTest, CollectsDirectoriesRecursivelySortedWithRelativeNames) {
  write("d/b.txt", "b");
  write("d/a/z.txt", "z");
  write("d/a/y.txt", "");
  write("single.txt", "s");
  fs::create_symlink(dir_ / "single.txt", dir_ / "d/link.txt");
  fs::create_directories(dir_ / "elsewhere");
  write("elsewhere/hidden.txt", "not reached through a directory symlink");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "d/dirlink");
  const auto files = collect_inputs({dir_ / "d", dir_ / "single.txt"});
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a/y.txt", "a/z.txt", "b.txt", "link.txt", (dir_ / "single.txt").string()}));
  EXPECT_EQ(files[0].size, 0u);
  EXPECT_EQ(files[1].path, (dir_ / "d/a/z.txt").string());
}

TEST_F(SplitTest, MissingInputAndEmptyInputAreErrorsNamingThem) {
  test::expect_error([&] { collect_inputs({dir_ / "nope.txt"}); }, Errc::io_error, {"nope.txt", "no such file"});
  write("empty/a.txt", "");
  fs::create_directories(dir_ / "empty/sub");
  test::expect_error([&] { collect_inputs({dir_ / "empty"}); }, Errc::io_error, {"input is empty", "empty'", "1 file"});
  test::expect_error([&] { collect_inputs({}); }, Errc::invalid_argument, {"no input"});
}

TEST_F(SplitTest, UnreadableDirectoryIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory";
  write("d/locked/a.txt", "a");
  fs::permissions(dir_ / "d/locked", fs::perms::none);
  test::expect_error([&] { collect_inputs({dir_ / "d"}); }, Errc::io_error, {"cannot be read", "locked"});
  fs::permissions(dir_ / "d/locked", fs::perms::owner_all);
}

TEST_F(SplitTest, RangesCoverEveryByteOnceAndPackSmallFiles) {
  const auto files = make_inputs();
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  for (std::uint64_t size : {1ull, 2ull, 7ull, 64ull, 1000ull, 1ull << 20}) {
    const auto splits = split_files(files, size);
    std::uint64_t covered = 0;
    for (std::size_t i = 0; i < splits.size(); ++i) {
      EXPECT_EQ(splits[i].index, i);
      EXPECT_LE(splits[i].bytes(), size);
      EXPECT_GT(splits[i].bytes(), 0u);
      covered += splits[i].bytes();
    }
    EXPECT_EQ(covered, total);
    EXPECT_EQ(splits.size(), (total + size - 1) / size);
  }
  EXPECT_EQ(split_files(files, 1ull << 20).front().ranges.size(), 4u);  // 4 non-empty files in one split
}

TEST_F(SplitTest, EveryWordIsCountedOnceWholeForEverySplitSize) {
  const auto files = make_inputs();
  const auto expected = reference_words(kTexts);
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  for (std::uint64_t size = 1; size <= total + 1; ++size) {
    ASSERT_EQ(words_of(split_files(files, size)), expected) << "split size " << size;
  }
}

TEST_F(SplitTest, EveryLineIsReadOnceWholeForEverySplitSize) {
  const auto files = make_inputs();
  const auto expected = reference_lines(kTexts);
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  for (std::uint64_t size = 1; size <= total + 1; ++size) {
    std::vector<std::string> lines;
    std::vector<std::uint64_t> offsets;
    for (const auto& s : split_files(files, size)) {
      for_each_line(s, [&](const FileRange& r, std::uint64_t off, std::string_view l) {
        lines.emplace_back(l);
        offsets.push_back(off + r.file_index * 100000);
      });
    }
    ASSERT_EQ(lines, expected) << "split size " << size;
    for (std::size_t i = 1; i < offsets.size(); ++i) ASSERT_LT(offsets[i - 1], offsets[i]);
  }
}

TEST_F(SplitTest, AHundredMegabyteLineIsReadOnceWithoutQuadraticCost) {
  // One 100 MB line of 1000-letter words: 100 splits of 1 MiB cut through it.
  std::string word(999, 'q');
  word += ' ';
  {
    std::ofstream out(dir_ / "long.txt", std::ios::binary);
    for (int i = 0; i < 100000; ++i) out << word;
    out << "end\nshort line\n";
  }
  const auto files = collect_inputs({dir_ / "long.txt"});
  const auto splits = split_files(files, 1u << 20);
  ASSERT_GE(splits.size(), 95u);
  std::uint64_t lines = 0, longest = 0;
  for (const auto& s : splits) {
    for_each_line(s, [&](const FileRange&, std::uint64_t, std::string_view l) {
      ++lines;
      longest = std::max<std::uint64_t>(longest, l.size());
    });
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(longest, 100000u * 1000u + 3u);
  std::map<std::string, int> counts = words_of(splits);
  EXPECT_EQ(counts.size(), 4u);
  EXPECT_EQ(counts[std::string(999, 'q')], 100000);
  EXPECT_EQ(counts["end"], 1);
}

TEST_F(SplitTest, BinaryFileIsRefusedNamingFileAndOffset) {
  std::string bin = "looks like text at first";
  bin += '\0';
  bin += "then binary";
  const auto file = write("data.bin", bin);
  const auto files = collect_inputs({file});
  for (std::uint64_t size : {3ull, 1000ull}) {
    test::expect_error([&] { words_of(split_files(files, size)); }, Errc::io_error,
                       {file.string(), "binary", "offset 24"});
  }
}

TEST_F(SplitTest, AFileThatChangedSizeIsAnError) {
  const auto file = write("grow.txt", "one two");
  const auto files = collect_inputs({file});
  write("grow.txt", "one two three");
  test::expect_error([&] { words_of(split_files(files, 100)); }, Errc::io_error, {file.string(), "changed size"});
}

TEST(SplitCodec, SplitRoundTrips) {
  Split s;
  s.index = 7;
  s.first = 3;
  s.last = 9;
  s.ranges.push_back({"/a/b.txt", "b.txt", 2, 10, 20, 30});
  std::string bytes;
  ByteWriter w(bytes);
  encode(w, s);
  ByteReader r(bytes);
  const Split t = decode<Split>(r);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(t.index, 7u);
  EXPECT_EQ(t.last, 9u);
  ASSERT_EQ(t.ranges.size(), 1u);
  EXPECT_EQ(t.ranges[0].path, "/a/b.txt");
  EXPECT_EQ(t.ranges[0].file_size, 30u);
  ByteReader cut(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_THROW(decode<Split>(cut), cohort::DecodeError);
}
