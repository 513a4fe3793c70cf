#include <cohort/core/error.hpp>
#include <cohort/mapreduce/split.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace fs = std::filesystem;

namespace cohort::mapreduce {
namespace {

[[noreturn]] void io_error(const std::string& message) { throw Error(Errc::io_error, message); }

// Opens and closes `path`: the workers will open it later, and a file they
// cannot read should stop the run before any work, not fail a map task.
// (access(R_OK) is not enough: root passes it, and it checks the real uid.)
void check_readable(const std::string& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) io_error("input file '" + path + "' cannot be opened: " + std::strerror(errno));
  ::close(fd);
}

void add_directory(const fs::path& dir, std::uint32_t& count, std::vector<InputFile>& out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) io_error("input directory '" + dir.string() + "' cannot be read: " + ec.message());
  std::vector<InputFile> found;
  fs::path last = dir;
  for (const fs::recursive_directory_iterator end; it != end;) {
    const fs::directory_entry& entry = *it;
    last = entry.path();
    std::error_code fec;
    if (entry.is_regular_file(fec)) {  // follows a symlink to a file
      const auto size = entry.file_size(fec);
      if (fec) io_error("input file '" + entry.path().string() + "' cannot be read: " + fec.message());
      check_readable(entry.path().string());
      found.push_back({entry.path().string(), entry.path().lexically_relative(dir).generic_string(), size});
    }
    it.increment(ec);
    if (ec) {
      io_error("input directory '" + dir.string() + "' cannot be read (at '" + last.string() + "'): " + ec.message());
    }
  }
  std::sort(found.begin(), found.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  count += static_cast<std::uint32_t>(found.size());
  for (auto& f : found) out.push_back(std::move(f));
}

}  // namespace

std::vector<InputFile> collect_inputs(const std::vector<fs::path>& inputs) {
  if (inputs.empty()) throw Error(Errc::invalid_argument, "no input given (--input FILE_OR_DIRECTORY ...)");
  std::vector<InputFile> files;
  std::uint32_t count = 0;
  for (const fs::path& in : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    if (!fs::exists(st)) {
      const bool missing = !ec || ec == std::errc::no_such_file_or_directory;
      io_error("input '" + in.string() + "': " + (missing ? std::string("no such file or directory") : ec.message()));
    }
    if (fs::is_directory(st)) {
      add_directory(in, count, files);
    } else if (fs::is_regular_file(st)) {
      check_readable(in.string());
      const auto size = fs::file_size(in, ec);
      if (ec) io_error("input file '" + in.string() + "' cannot be read: " + ec.message());
      files.push_back({in.string(), in.string(), size});
      ++count;
    } else {
      io_error("input '" + in.string() + "' is neither a regular file nor a directory");
    }
  }
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  if (total == 0) {
    std::string names;
    for (const auto& in : inputs) names += (names.empty() ? "'" : ", '") + in.string() + "'";
    io_error("the input is empty: " + names + " hold " + std::to_string(files.size()) +
             (files.size() == 1 ? " file" : " files") + " and 0 bytes");
  }
  return files;
}

std::uint64_t auto_split_bytes(std::uint64_t total_bytes, std::size_t parallelism) noexcept {
  constexpr std::uint64_t kMin = 1ull << 20, kMax = 64ull << 20;
  const std::uint64_t per = total_bytes / (4 * std::max<std::size_t>(parallelism, 1));
  return std::clamp(per, kMin, kMax);
}

std::vector<Split> split_files(const std::vector<InputFile>& files, std::uint64_t split_bytes) {
  split_bytes = std::max<std::uint64_t>(split_bytes, 1);
  std::vector<Split> splits;
  Split cur;
  std::uint64_t used = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const InputFile& f = files[i];
    std::uint64_t off = 0;
    while (off < f.size) {
      const std::uint64_t take = std::min(f.size - off, split_bytes - used);
      cur.ranges.push_back({f.path, f.name, static_cast<std::uint32_t>(i), off, off + take, f.size});
      off += take;
      used += take;
      if (used == split_bytes) {
        cur.index = splits.size();
        splits.push_back(std::move(cur));
        cur = Split{};
        used = 0;
      }
    }
  }
  if (!cur.ranges.empty()) {
    cur.index = splits.size();
    splits.push_back(std::move(cur));
  }
  return splits;
}

}  // namespace cohort::mapreduce
