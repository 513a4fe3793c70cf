#include <cohort/core/error.hpp>
#include <cohort/mapreduce/job.hpp>

namespace cohort::mapreduce {

Job::~Job() = default;

std::vector<Split> Job::split(const std::vector<InputFile>& files, const SplitOptions& options) const {
  if (input_kind() == InputKind::none) {
    throw Error(Errc::invalid_state,
                "job '" + std::string(name()) + "' takes no input but does not override Job::split()");
  }
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  const std::uint64_t bytes = options.split_bytes != 0 ? options.split_bytes : auto_split_bytes(total, options.parallelism);
  return split_files(files, bytes);
}

}  // namespace cohort::mapreduce
