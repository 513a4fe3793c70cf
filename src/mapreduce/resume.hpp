#pragma once
// Rank 0's side of a resumable run (RunConfig::journal): plans the run —
// adopting the plan of an existing journal — checks that the journal belongs
// to this job and input, hands out the results it holds, and records new ones.
// Internal to the distributed engine; see journal.hpp for the file format.
//
// Thread safety: one thread (the engine's) at a time.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/journal.hpp>
#include <cohort/mapreduce/options.hpp>
#include <cohort/mapreduce/split.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort::mapreduce::detail {

struct Plan {
  std::vector<Split> splits;
  std::vector<std::string> encoded;  ///< each split, encoded for the map tasks
  std::uint32_t partitions = 1;
  bool shuffle = false;
};

class Resume {
 public:
  /// Reads cfg.journal if it exists (Error(journal_mismatch) if it is not a
  /// journal), makes the plan, then refuses a journal of another run
  /// (Error(journal_mismatch) naming the file and what differs) or opens it
  /// for appending (a torn tail is cut off); creates it if it did not exist.
  /// Without cfg.journal it only plans.
  Resume(const Job& job, const Options& options, const std::vector<InputFile>& files, const RunConfig& cfg,
         std::size_t parallelism, std::size_t threads);

  const Plan& plan() const noexcept { return plan_; }
  bool active() const noexcept { return writer_.has_value(); }
  JournalWriter* writer() noexcept { return writer_ ? &*writer_ : nullptr; }

  /// The journaled result of map task `split` in `round`, moved out; nullopt if none.
  std::optional<std::string> take_task(unsigned round, std::uint64_t split);
  /// Journaled rounds of an iterative job, in order (the data given to round_done).
  std::vector<std::string> take_rounds() { return std::move(rounds_); }

  void task_done(unsigned round, std::uint64_t split, std::string_view result);
  void round_done(unsigned round, std::string_view data);
  /// The output is committed: the journal is closed and removed.
  void finish();

 private:
  Plan plan_;
  std::optional<JournalWriter> writer_;
  std::map<std::pair<unsigned, std::uint64_t>, std::string> tasks_;
  std::vector<std::string> rounds_;
};

}  // namespace cohort::mapreduce::detail
