// Rank 0's side of a resumable run: the plan, the journal check, the records.
#include "resume.hpp"

#include <cohort/core/error.hpp>
#include <cohort/core/version.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fs = std::filesystem;

namespace cohort::mapreduce::detail {
namespace {

std::int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(Errc::io_error, "cannot stat input '" + path + "': " + std::strerror(errno));
  }
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

Resume::Resume(const Job& job, const Options& options, const std::vector<InputFile>& files, const RunConfig& cfg,
               std::size_t parallelism, std::size_t threads) {
  std::optional<JournalContents> prior;
  if (!cfg.journal.empty()) prior = read_journal(cfg.journal);
  const JournalPlan* was = prior ? &prior->header.plan : nullptr;

  // A rerun adopts the journal's plan unless told otherwise, so that it makes
  // the same tasks even with other rank or thread counts.
  std::uint64_t input_bytes = 0;
  for (const auto& f : files) input_bytes += f.size;
  JournalHeader header;
  JournalPlan& p = header.plan;
  p.parallelism = was ? was->parallelism : parallelism;
  p.split_bytes = cfg.split_bytes != 0 ? cfg.split_bytes
                  : was               ? was->split_bytes
                                      : auto_split_bytes(input_bytes, p.parallelism);
  p.splits_option = cfg.splits != 0 ? cfg.splits : was ? was->splits_option : 0;
  using Shuffle = RunConfig::Shuffle;
  p.shuffle = cfg.shuffle == Shuffle::files || cfg.shuffle == Shuffle::mpi ? true
              : cfg.shuffle == Shuffle::gather ? false
              : was                            ? was->shuffle
                                               : job.key_space() == KeySpace::large && input_bytes > cfg.gather_limit;
  p.partitions = cfg.partitions != 0 ? cfg.partitions
                 : was               ? was->partitions
                 : p.shuffle ? static_cast<std::uint32_t>(std::min<std::uint64_t>(2 * p.parallelism, 4096))
                 : job.key_space() == KeySpace::small ? 1u
                                                      : static_cast<std::uint32_t>(2 * threads);

  SplitOptions so;
  so.split_bytes = p.split_bytes;
  so.splits = p.splits_option;
  so.parallelism = static_cast<std::size_t>(p.parallelism);
  plan_.splits = job.split(files, so);
  if (plan_.splits.empty()) throw Error(Errc::invalid_argument, "job '" + std::string(job.name()) + "' made no splits: nothing to do");
  plan_.partitions = p.partitions;
  plan_.shuffle = p.shuffle;
  plan_.encoded.resize(plan_.splits.size());
  p.split_digest = fnv1a("");
  for (std::size_t i = 0; i < plan_.splits.size(); ++i) {
    ByteWriter w(plan_.encoded[i]);
    encode(w, plan_.splits[i]);
    p.split_digest = fnv1a(plan_.encoded[i], p.split_digest);
  }
  p.split_count = plan_.splits.size();
  if (cfg.journal.empty()) return;

  header.version = core::version();
  header.job = std::string(job.name());
  header.options.assign(options.values().begin(), options.values().end());
  for (const auto& f : files) header.inputs.push_back({f.path, f.size, mtime_ns(f.path)});

  if (!prior) {
    writer_.emplace(JournalWriter::create(cfg.journal, header));
    return;
  }
  if (const std::string diff = describe_differences(prior->header, header); !diff.empty()) {
    throw Error(Errc::journal_mismatch,
                "the journal '" + cfg.journal.string() + "' belongs to another run: " + diff +
                    ". Rerun the command that started it, or remove the journal (and '" + cfg.journal.string() +
                    ".shuffle' if present) to start over");
  }
  for (JournalRecord& r : prior->records) {
    if (r.kind == JournalRecord::Kind::task && r.index < plan_.splits.size()) {
      tasks_[{r.round, r.index}] = std::move(r.data);
    } else if (r.kind == JournalRecord::Kind::round && r.round == rounds_.size()) {
      rounds_.push_back(std::move(r.data));
    }
  }
  writer_.emplace(JournalWriter::reopen(cfg.journal, prior->valid_bytes));
}

std::optional<std::string> Resume::take_task(unsigned round, std::uint64_t split) {
  auto it = tasks_.find({round, split});
  if (it == tasks_.end()) return std::nullopt;
  std::string data = std::move(it->second);
  tasks_.erase(it);
  return data;
}

void Resume::task_done(unsigned round, std::uint64_t split, std::string_view result) {
  if (writer_) writer_->append(JournalRecord::Kind::task, round, split, result);
}

void Resume::round_done(unsigned round, std::string_view data) {
  if (writer_) {
    writer_->append(JournalRecord::Kind::round, round, 0, data);
    writer_->sync();
  }
}

void Resume::finish() {
  if (!writer_) return;
  const fs::path path = writer_->path();
  writer_.reset();
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace cohort::mapreduce::detail

namespace cohort::mapreduce {

StoppedEarly::StoppedEarly(const std::string& message, bool drained) : Error(Errc::cancelled, message), drained_(drained) {}
StoppedEarly::~StoppedEarly() = default;

}  // namespace cohort::mapreduce
