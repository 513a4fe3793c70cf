#pragma once
/// Inputs and splits: what a job's input is made of, and how it is cut into
/// the pieces that map tasks read.
///
/// Thread safety: plain values; the free functions are reentrant.
///
/// - collect_inputs() expands `--input` arguments: a file is itself, a directory
///   is every regular file below it (recursively, sorted by path; symlinks to
///   files are followed, symlinks to directories are not). A missing path, an
///   unreadable directory, something that is neither file nor directory, and an
///   input with no bytes at all are each a cohort::Error (Errc::io_error) naming it.
/// - split_files() cuts the files into splits of about `split_bytes` each, in
///   input order: a big file becomes several byte ranges, small files are packed
///   together into one split. A range is only a claim: the record reader
///   (reader.hpp) gives each split exactly the records that *start* inside its
///   ranges, whole, so a word or line that straddles a boundary is read once.
/// - A compute job (no input) makes its own splits: it uses `first`/`last`
///   (e.g. a range of sample chunks) and leaves `ranges` empty.

#include <cohort/mapreduce/codec.hpp>
#include <cohort/mapreduce/export.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cohort::mapreduce {

/// One input file, as found by collect_inputs().
struct InputFile {
  std::string path;   ///< to open: the --input argument joined with the path below it
  std::string name;   ///< to show: relative to its --input directory, or the argument itself
  std::uint64_t size = 0;
};

/// Part of one file that a split claims: bytes [begin, end) of `path`.
struct FileRange {
  std::string path;
  std::string name;
  std::uint32_t file_index = 0;  ///< index in the collect_inputs() list
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t file_size = 0;   ///< the size when the inputs were collected
};

/// What one map task reads.
struct Split {
  std::uint64_t index = 0;        ///< position in the job's split list (the order of reduction)
  std::vector<FileRange> ranges;  ///< file jobs
  std::uint64_t first = 0;        ///< compute jobs: a range of work units [first, last)
  std::uint64_t last = 0;
  /// Bytes claimed by the ranges.
  std::uint64_t bytes() const noexcept {
    std::uint64_t n = 0;
    for (const auto& r : ranges) n += r.end - r.begin;
    return n;
  }
};

/// How a job should split: the engine's suggestion.
struct SplitOptions {
  std::uint64_t split_bytes = 0;  ///< target bytes per split (0: choose from size and parallelism)
  std::uint64_t splits = 0;       ///< compute jobs: target split count (0: a few per thread)
  std::size_t parallelism = 1;    ///< threads that will map, summed over ranks
};

/// Expands files and directories. See the contract above.
COHORT_MAPREDUCE_EXPORT std::vector<InputFile> collect_inputs(const std::vector<std::filesystem::path>& inputs);

/// The split size used when SplitOptions::split_bytes is 0: about four splits
/// per thread, between 1 MiB and 64 MiB (smaller only if the whole input is).
COHORT_MAPREDUCE_EXPORT std::uint64_t auto_split_bytes(std::uint64_t total_bytes, std::size_t parallelism) noexcept;

/// Cuts files into splits of at most `split_bytes` bytes of ranges each (>= 1).
COHORT_MAPREDUCE_EXPORT std::vector<Split> split_files(const std::vector<InputFile>& files, std::uint64_t split_bytes);

template <>
struct Codec<FileRange> {
  static void encode(ByteWriter& w, const FileRange& r) {
    mapreduce::encode(w, r.path);
    mapreduce::encode(w, r.name);
    w.varint(r.file_index);
    w.varint(r.begin);
    w.varint(r.end);
    w.varint(r.file_size);
  }
  static FileRange decode(ByteReader& rd) {
    FileRange r;
    r.path = mapreduce::decode<std::string>(rd);
    r.name = mapreduce::decode<std::string>(rd);
    r.file_index = mapreduce::decode<std::uint32_t>(rd);
    r.begin = rd.varint();
    r.end = rd.varint();
    r.file_size = rd.varint();
    return r;
  }
};

template <>
struct Codec<Split> {
  static void encode(ByteWriter& w, const Split& s) {
    w.varint(s.index);
    mapreduce::encode(w, s.ranges);
    w.varint(s.first);
    w.varint(s.last);
  }
  static Split decode(ByteReader& r) {
    Split s;
    s.index = r.varint();
    s.ranges = mapreduce::decode<std::vector<FileRange>>(r);
    s.first = r.varint();
    s.last = r.varint();
    return s;
  }
};

}  // namespace cohort::mapreduce
