#include <cohort/core/error.hpp>
#include <cohort/mapreduce/reader.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cohort::mapreduce {
namespace {

[[noreturn]] void io_error(const FileRange& r, const std::string& what) {
  throw Error(Errc::io_error, "input file '" + r.path + "' " + what);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

RangeText::RangeText(const FileRange& r, Boundary boundary) {
  offset_ = r.begin;
  if (r.begin >= r.end) return;
  Fd f{::open(r.path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) io_error(r, std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) io_error(r, std::string("cannot be read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) io_error(r, "is no longer a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size != r.file_size) {
    io_error(r, "changed size during the run (" + std::to_string(r.file_size) +
                    " bytes when the input was collected, " + std::to_string(size) + " now)");
  }
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (m == MAP_FAILED) io_error(r, std::string("cannot be mapped: ") + std::strerror(errno));
  map_ = m;
  map_size_ = size;
  ::madvise(m, size, MADV_SEQUENTIAL);
  const char* d = static_cast<const char*>(m);

  if (r.begin < kBinaryProbeBytes) {
    const std::uint64_t lim = std::min(r.end, kBinaryProbeBytes);
    if (const void* z = std::memchr(d + r.begin, '\0', lim - r.begin); z != nullptr) {
      const auto at = static_cast<std::uint64_t>(static_cast<const char*>(z) - d);
      ::munmap(map_, map_size_);
      map_ = nullptr;
      io_error(r, "looks binary: a NUL byte at offset " + std::to_string(at) +
                      " (Cohort reads text; it checks the first 64 KiB of every input file)");
    }
  }

  std::uint64_t s = r.begin;
  std::uint64_t e = r.end;
  if (boundary == Boundary::line) {
    if (s > 0 && d[s - 1] != '\n') {  // inside a line that began in an earlier split: skip its tail
      const void* nl = std::memchr(d + s, '\n', r.end - s);
      s = nl == nullptr ? r.end : static_cast<std::uint64_t>(static_cast<const char*>(nl) - d) + 1;
    }
    if (e > s && d[e - 1] != '\n') {  // finish the last line we began, however long
      const void* nl = std::memchr(d + e, '\n', size - e);
      e = nl == nullptr ? size : static_cast<std::uint64_t>(static_cast<const char*>(nl) - d);
    }
  } else {
    if (s > 0 && is_word_byte(d[s - 1])) {
      while (s < r.end && is_word_byte(d[s])) ++s;
    }
    if (e > s && is_word_byte(d[e - 1])) {
      while (e < size && is_word_byte(d[e])) ++e;
    }
  }
  if (s < e) {
    text_ = std::string_view(d + s, static_cast<std::size_t>(e - s));
    offset_ = s;
  }
}

RangeText::~RangeText() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

}  // namespace cohort::mapreduce
