#include "core/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "edgewm/error.h"

namespace edgewm {

namespace {

[[noreturn]] void not_regular(const std::string& path, const std::string& what, mode_t mode) {
  const char* kind = S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) || S_ISBLK(mode) ? "a device" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
  throw Error(ErrorKind::kIo, "cannot read " + what + " " + path + ": it is " + kind);
}

}  // namespace

int64_t regular_file_size(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorKind::kIo, "cannot open " + what + " " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) not_regular(path, what, st.st_mode);
  return static_cast<int64_t>(st.st_size);
}

int open_regular_file(const std::string& path, int64_t* size, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw Error(ErrorKind::kIo, "cannot open " + what + " " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(ErrorKind::kIo, "cannot stat " + what + " " + path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    not_regular(path, what, st.st_mode);
  }
  *size = static_cast<int64_t>(st.st_size);
  return fd;
}

}  // namespace edgewm
