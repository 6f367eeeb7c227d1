#include "core/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

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

void read_exactly(int fd, uint8_t* dst, size_t n, const std::string& path, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::read(fd, dst + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw Error(ErrorKind::kIo, "cannot read " + what + " " + path + ": " +
                                      (r < 0 ? std::strerror(errno) : "it shrank while being read"));
    done += static_cast<size_t>(r);
  }
}

std::vector<uint8_t> read_regular_file(const std::string& path, const std::string& what) {
  int64_t size = 0;
  const int fd = open_regular_file(path, &size, what);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::vector<uint8_t> bytes;
  try {
    bytes.resize(static_cast<size_t>(size));
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::kOutOfMemory, "cannot hold " + what + " " + path + " (" + std::to_string(size) + " bytes) in memory");
  }
  read_exactly(fd, bytes.data(), bytes.size(), path, what);
  return bytes;
}

}  // namespace edgewm
