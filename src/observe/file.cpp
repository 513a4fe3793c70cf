#include <cohort/core/error.hpp>
#include <cohort/observe/trace.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace cohort::observe {

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(Errc::io_error, "cannot write '" + path.string() + "': directory '" + dir.string() + "' does not exist");
  const fs::path temp = dir / ("." + path.filename().string() + ".tmp" + std::to_string(std::random_device{}()));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(Errc::io_error, "cannot create '" + temp.string() + "': " + std::strerror(errno));
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      fs::remove(temp, ec);
      throw Error(Errc::io_error, "cannot write '" + path.string() + "': " + why);
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  if (::close(fd) != 0) {
    fs::remove(temp, ec);
    throw Error(Errc::io_error, "cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Error(Errc::io_error, "cannot write '" + path.string() + "': " + ec.message());
  }
}

}  // namespace cohort::observe
