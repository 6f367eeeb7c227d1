#pragma once
// Text the tools print that may carry bytes from a model file (metadata, names): never raw
// control characters to a terminal (an escape sequence in metadata could rewrite the screen),
// never a JSON failure on invalid UTF-8 (nlohmann::json throws by default).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace edgewm::cli {

// `s` with control characters (and DEL) shown as \xNN.
inline std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// JSON text; invalid UTF-8 in strings becomes U+FFFD instead of an exception.
inline std::string json_text(const nlohmann::json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgewm::cli
