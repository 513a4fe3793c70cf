// wordcount_loop: the hand-written single-thread word count — the per-core
// ceiling Cohort's wordcount job is compared with (issue 5: Cohort's per-core
// throughput should be >= 80 % of this). Same word rule and output as the job.
//
//   wordcount_loop [--std-map] --output FILE INPUT...   (files or directories, recursive)
//
// Reads with read(2) in 1 MiB blocks; one lookup per word in a flat
// open-addressing table (FlatCounts), or with --std-map in a
// std::unordered_map (heterogeneous lookup), to show what that costs.
#include "wordcount_common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

int usage(const char* why) {
  std::fprintf(stderr, "wordcount_loop: %s\nusage: wordcount_loop [--std-map] --output FILE INPUT...\n", why);
  return 2;
}

template <class Counts>
bool count_file(const std::string& path, Counts& counts) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    std::fprintf(stderr, "wordcount_loop: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  std::vector<char> buffer(1 << 20);
  std::string pending;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "wordcount_loop: cannot read %s: %s\n", path.c_str(), std::strerror(errno));
      ::close(fd);
      return false;
    }
    if (got == 0) break;
    bench::count_words(buffer.data(), static_cast<std::size_t>(got), pending, counts);
  }
  if (!pending.empty()) counts.add(pending);
  ::close(fd);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string output;
  std::vector<std::string> inputs;
  bool std_map = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--std-map") {
      std_map = true;
    } else if (a == "--output") {
      if (i + 1 >= argc) return usage("missing value after --output");
      output = argv[++i];
    } else {
      inputs.push_back(a);
    }
  }
  if (output.empty() || inputs.empty()) return usage("need --output FILE and at least one INPUT");

  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(in, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(in))
        if (e.is_regular_file()) files.push_back(e.path().string());
    } else {
      files.push_back(in);
    }
  }
  std::sort(files.begin(), files.end());

  auto run = [&](auto& counts) {
    for (const auto& f : files)
      if (!count_file(f, counts)) return 6;
    if (!bench::write_tsv(bench::sorted(counts), output.c_str())) {
      std::fprintf(stderr, "wordcount_loop: cannot write %s\n", output.c_str());
      return 6;
    }
    return 0;
  };
  if (std_map) {
    bench::StdCounts counts;
    return run(counts);
  }
  bench::FlatCounts counts;
  return run(counts);
}
