#include <cohort/core/error.hpp>
#include <cohort/mapreduce/engine.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace fs = std::filesystem;

namespace cohort::mapreduce {
namespace {

[[noreturn]] void io_error(const std::string& message) { throw Error(Errc::io_error, message); }

fs::path directory_of(const fs::path& path) {
  const fs::path dir = path.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// What AtomicFile needs of its path (no file is created here).
void check_output_target(const fs::path& path) {
  if (path.empty()) throw Error(Errc::invalid_argument, "no output file given (--output FILE)");
  std::error_code ec;
  if (fs::is_directory(path, ec)) io_error("output '" + path.string() + "' is a directory; give a file name");
  const fs::path dir = directory_of(path);
  if (!fs::is_directory(dir, ec)) io_error("output directory '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0) {
    io_error("output directory '" + dir.string() + "' is not writable: " + std::strerror(errno));
  }
}

}  // namespace

void check_output_path(const fs::path& path) {
  check_output_target(path);
  // access(W_OK) trusts permission bits, which root passes even where no file
  // can be made (/sys, a read-only mount seen through a writable bit): create
  // and remove an empty probe file, so such a place is refused before the run.
  static std::atomic<unsigned> counter{0};
  const fs::path probe = directory_of(path) / ("." + path.filename().string() + ".cohort-check-" +
                                               std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
  int fd = -1;
  do {
    fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    io_error("output directory '" + directory_of(path).string() + "' cannot be written (checked before the run): cannot create '" +
             probe.string() + "': " + std::strerror(errno));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  check_output_target(path_);
  static std::atomic<unsigned> counter{0};
  temp_ = directory_of(path_) / ("." + path_.filename().string() + ".cohort-tmp-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter.fetch_add(1)));
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) io_error("cannot create '" + temp_.string() + "' for the output: " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(std::string_view text) {
  buf_.append(text);
  if (buf_.size() >= (1u << 20)) flush();
}

void AtomicFile::flush() {
  const char* p = buf_.data();
  std::size_t left = buf_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("cannot write the output '" + path_.string() + "': " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  buf_.clear();
}

void AtomicFile::commit() {
  if (committed_) return;
  flush();
  if (::fsync(fd_) != 0) io_error("cannot fsync the output '" + path_.string() + "': " + std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) io_error("cannot close the output '" + path_.string() + "': " + std::strerror(errno));
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    io_error("cannot rename '" + temp_.string() + "' to '" + path_.string() + "': " + std::strerror(errno));
  }
  committed_ = true;
  const int dfd = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename is durable; failure here does not undo a complete output
    ::close(dfd);
  }
}

}  // namespace cohort::mapreduce
