#pragma once
/// The run journal: an append-only file in which rank 0 records each finished
/// task's result, so that a rerun of the same command (after a crash, a kill,
/// or a clean stop before a Slurm time limit) runs only what is missing.
///
///   auto prior = read_journal(path);           // nullopt: no journal yet
///   if (prior) { if (auto d = describe_differences(prior->header, header); !d.empty()) refuse(d); }
///   JournalWriter w = prior ? JournalWriter::reopen(path, prior->valid_bytes)
///                           : JournalWriter::create(path, header);
///   w.append({JournalRecord::Kind::task, round, split, result_bytes});
///
/// Thread safety: read_journal() and describe_differences() are reentrant; a
/// JournalWriter is used by one thread at a time.
///
/// Format (little-endian; one place: src/mapreduce/journal.cpp):
///   file    := "COHORTJ\n" u32 format-version record*
///   record  := u32 payload-length  u32 CRC-32(payload)  payload
///   payload := 'H' header | 'T' u32 round u64 index bytes | 'R' u32 round u64 0 bytes
/// The first record is the header (what the journal belongs to). A record
/// whose length runs past the end of the file or whose checksum does not match
/// ends the journal: it is a torn tail (a crash mid-append), ignored and cut
/// off when the journal is reopened for appending — never an error.
///
/// Durability: append() writes each record at once (a process that dies keeps
/// it: it is in the page cache) and fdatasync()s every JournalSyncPolicy::sync_every
/// records or sync_interval, whichever comes first; sync() forces it.

#include <cohort/mapreduce/export.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::mapreduce {

/// One input file as the journal saw it.
struct JournalInput {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const JournalInput&) const = default;
};

/// How the work was cut: a rerun adopts these (unless given other values
/// explicitly), so a resumed run makes the same tasks even on other rank counts.
struct JournalPlan {
  std::uint64_t split_bytes = 0;    ///< bytes per split (resolved)
  std::uint64_t splits_option = 0;  ///< RunConfig::splits as given (compute jobs)
  std::uint64_t parallelism = 0;    ///< SplitOptions::parallelism the splits were made with
  std::uint32_t partitions = 0;
  bool shuffle = false;             ///< map results in scratch files (else gathered)
  std::uint64_t split_count = 0;
  std::uint64_t split_digest = 0;   ///< FNV-1a of the encoded splits
  bool operator==(const JournalPlan&) const = default;
};

/// What a journal belongs to. A rerun must match it field by field.
struct JournalHeader {
  std::string version;  ///< Cohort's version
  std::string job;
  std::vector<std::pair<std::string, std::string>> options;  ///< the job's resolved options
  std::vector<JournalInput> inputs;
  JournalPlan plan;
  bool operator==(const JournalHeader&) const = default;
};

struct JournalRecord {
  enum class Kind : std::uint8_t {
    task = 'T',   ///< a finished map task: index = split, data = its result
    round = 'R',  ///< a finished round of an iterative job: data = its reduce outputs
  };
  Kind kind = Kind::task;
  std::uint32_t round = 0;
  std::uint64_t index = 0;
  std::string data;
};

struct JournalContents {
  JournalHeader header;
  std::vector<JournalRecord> records;
  std::uint64_t valid_bytes = 0;  ///< bytes up to the end of the last good record
  std::uint64_t file_bytes = 0;   ///< > valid_bytes: a torn tail follows
};

/// Reads `path`. nullopt if it does not exist, is empty or holds no complete
/// header yet (a crash while creating it). Throws Error(journal_mismatch) if it
/// is not a Cohort journal (or of another format version), Error(io_error) if
/// it cannot be read.
COHORT_MAPREDUCE_EXPORT std::optional<JournalContents> read_journal(const std::filesystem::path& path);

/// "" if `run` may resume `journal`; otherwise what differs, e.g.
/// "input file list: 'a.txt' has 120 bytes, the journal says 100".
COHORT_MAPREDUCE_EXPORT std::string describe_differences(const JournalHeader& journal, const JournalHeader& run);

/// FNV-1a, 64 bits (the split plan's digest).
COHORT_MAPREDUCE_EXPORT std::uint64_t fnv1a(std::string_view bytes, std::uint64_t seed = 14695981039346656037ull) noexcept;

/// When a JournalWriter fdatasync()s.
struct JournalSyncPolicy {
  std::size_t sync_every = 64;                   ///< after this many records...
  std::chrono::milliseconds sync_interval{250};  ///< ...or once the oldest unsynced one is this old (append/sync_if_due)
};

class COHORT_MAPREDUCE_EXPORT JournalWriter {
 public:
  using Policy = JournalSyncPolicy;

  /// Creates (or truncates) `path` and writes `header`, durably (file and
  /// directory fsync'ed). Throws Error(io_error) naming the file.
  static JournalWriter create(const std::filesystem::path& path, const JournalHeader& header, Policy policy = {});
  /// Reopens a journal read by read_journal() for appending, cutting it to
  /// `valid_bytes` first (drops a torn tail).
  static JournalWriter reopen(const std::filesystem::path& path, std::uint64_t valid_bytes, Policy policy = {});

  JournalWriter(JournalWriter&& other) noexcept;
  JournalWriter& operator=(JournalWriter&& other) noexcept;
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  /// sync(), errors ignored; closes.
  ~JournalWriter();

  void append(JournalRecord::Kind kind, std::uint32_t round, std::uint64_t index, std::string_view data);
  void append(const JournalRecord& r) { append(r.kind, r.round, r.index, r.data); }
  /// fdatasync now if anything was written since the last one.
  void sync();
  /// sync() if the oldest unsynced record is older than the policy's interval.
  void sync_if_due();
  const std::filesystem::path& path() const noexcept { return path_; }
  std::uint64_t appended() const noexcept { return appended_; }

 private:
  JournalWriter(std::filesystem::path path, int fd, Policy policy) noexcept;
  void write_all(std::string_view bytes);
  void close() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
  Policy policy_;
  std::size_t unsynced_ = 0;
  std::chrono::steady_clock::time_point first_unsynced_{};
  std::uint64_t appended_ = 0;
};

/// Encodes one record's bytes (length, checksum, payload): for tests and tools.
COHORT_MAPREDUCE_EXPORT std::string encode_journal_record(JournalRecord::Kind kind, std::uint32_t round,
                                                         std::uint64_t index, std::string_view data);

}  // namespace cohort::mapreduce
