#pragma once
// Input files must be regular files: opening a FIFO blocks until a writer appears (forever, for
// a model path pointing at one), and devices or directories are no model. Every reader of a
// user-named file checks this first.
#include <cstdint>
#include <string>
#include <vector>

namespace edgewm {

// The size of `path` after checking it is a regular file (following links, never opening it);
// kIo naming `what` and the path otherwise.
int64_t regular_file_size(const std::string& path, const std::string& what = "file");

// open(2) for reading that cannot block on a FIFO (O_NONBLOCK), refusing anything but a regular
// file; the caller closes the descriptor. *size receives the file's size.
int open_regular_file(const std::string& path, int64_t* size, const std::string& what = "file");

// Reads n bytes from fd (EINTR retried); kIo when the file ends first.
void read_exactly(int fd, uint8_t* dst, size_t n, const std::string& path, const std::string& what);

// The whole file (a regular one), read with read(2); kIo naming `what` and the path on failure.
std::vector<uint8_t> read_regular_file(const std::string& path, const std::string& what = "file");

}  // namespace edgewm
