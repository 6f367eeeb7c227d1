#pragma once
// Errors carry context (file, node, op, shapes) so a user can act on them.
#include <stdexcept>
#include <string>

namespace edgewm {

enum class ErrorKind {
  kInvalidArgument,  // bad user input: wrong shape, missing input, bad flag
  kInvalidModel,     // malformed model file (ONNX or .ewm): truncated, corrupt, inconsistent
  kUnsupported,      // valid model that uses something edgewm does not implement
  kNeedsConstant,    // shape inference needs a value that is only known at run time
  kIo,               // file system
  kOutOfMemory,      // a tensor or buffer above the size limit, or an allocation that failed
  kInternal,         // a bug in edgewm
};

const char* error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const { return kind_; }
  // For kNeedsConstant: the value whose contents shape inference needed.
  const std::string& subject() const { return subject_; }
  // The same error with context in front ("model.onnx: node 'x' (Conv, opset 17): ...").
  Error prefixed(const std::string& prefix) const {
    Error e(kind_, prefix + ": " + what());
    e.subject_ = subject_;
    return e;
  }
  Error& with_subject(std::string s) {
    subject_ = std::move(s);
    return *this;
  }

 private:
  ErrorKind kind_;
  std::string subject_;
};

}  // namespace edgewm
