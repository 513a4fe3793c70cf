#pragma once
/// Job: what a MapReduce job is to the engines — split the input, map a split
/// to combined key/value pairs cut into hash partitions, reduce one partition,
/// write the output. This is the byte-level interface the engines call; a job
/// author normally derives from TypedJob (typed_job.hpp) and never sees bytes.
///
/// Thread safety: configure(), set_state() and advance() are called alone (no
/// other call on the same object runs meanwhile). map_split(),
/// reduce_partition() and write_output() are const and are called from several
/// threads at once: they must not modify the job.
///
/// The life of a run (local or distributed, see engine.hpp):
///   configure(options) -> split(files) -> for each round:
///       map_split(split) on every split (any thread, any rank)
///       reduce_partition(blocks of partition p, in split order) for every p
///       [iterative jobs] advance(outputs) on rank 0; state() is sent to every
///       rank, where set_state() installs it before the next round's maps
///   -> write_output(outputs) on rank 0, into a file that appears whole or not at all.
/// - A distributed run creates one Job object per rank from the plugin and
///   configures each with the same option text, so configure() must be a pure
///   function of the options.
/// - Encoded blocks are opaque to the engine: it only moves them around.

#include <cohort/mapreduce/export.hpp>
#include <cohort/mapreduce/options.hpp>
#include <cohort/mapreduce/split.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::mapreduce {

enum class InputKind {
  files,  ///< reads --input files (split by byte ranges by default)
  none,   ///< pure compute (e.g. pi): makes its own splits, takes no --input
};

/// A hint for the distributed engine: how many distinct keys to expect.
enum class KeySpace {
  small,  ///< a handful (k-means clusters, one pi estimate): gather to rank 0 and reduce there
  large,  ///< grows with the input (words): shuffle partitions and reduce in parallel
};

/// Where the output text goes (a temporary file, renamed into place on success).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(std::string_view text) = 0;
};

/// What map_split() returns: one encoded block per partition, plus counts.
struct MapOutput {
  std::vector<std::string> partitions;
  std::uint64_t records = 0;  ///< pairs emitted by map
  std::uint64_t keys = 0;     ///< distinct keys after the local combine
};

/// What reduce_partition() returns: encoded output records, sorted in output order.
struct ReduceOutput {
  std::string records;
  std::uint64_t keys = 0;     ///< keys reduced
  std::uint64_t outputs = 0;  ///< records in `records`
};

class COHORT_MAPREDUCE_EXPORT Job {
 public:
  virtual ~Job();

  /// The job's name, as in `cohort run NAME` (equals the plugin's descriptor name).
  virtual std::string_view name() const = 0;
  /// The options the job accepts (shown by `cohort run NAME --help`).
  virtual std::vector<OptionSpec> options() const { return {}; }
  /// Receives the parsed options, before anything else. Throws cohort::Error
  /// (Errc::invalid_argument) for values it cannot use.
  virtual void configure(const Options& options) { (void)options; }

  virtual InputKind input_kind() const { return InputKind::files; }
  virtual KeySpace key_space() const { return KeySpace::large; }

  /// The job's splits, numbered 0..n-1 in order. Default: split_files(files, ...).
  virtual std::vector<Split> split(const std::vector<InputFile>& files, const SplitOptions& options) const;

  /// Maps one split and combines its pairs; returns `partitions` blocks (hash partitioning).
  virtual MapOutput map_split(const Split& split, std::uint32_t partitions) const = 0;
  /// Reduces one partition from its blocks (one per split, in split order; empty ones may be left out).
  virtual ReduceOutput reduce_partition(std::span<const std::string_view> blocks) const = 0;
  /// Merges the sorted outputs of every partition and writes the final text.
  virtual void write_output(std::span<const std::string_view> outputs, Sink& sink) const = 0;

  /// Iterative jobs (k-means) run rounds until advance() returns false.
  virtual bool iterative() const { return false; }
  /// The state every rank needs for the next round, as bytes (rank 0 -> all).
  virtual std::string state() const { return {}; }
  virtual void set_state(std::string_view state) { (void)state; }
  /// Rank 0, after each round, with that round's reduce outputs: updates the
  /// state; returns true to run another round.
  virtual bool advance(std::span<const std::string_view> outputs) {
    (void)outputs;
    return false;
  }
};

}  // namespace cohort::mapreduce
