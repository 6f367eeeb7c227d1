#include "diffusion/model_metadata.h"

#include <charconv>
#include <cmath>

#include "edgewm/error.h"

namespace edgewm::diffusion {

std::optional<std::string> meta_string(const Model& m, const std::string& key) {
  auto it = m.metadata().find(key);
  if (it == m.metadata().end()) return std::nullopt;
  return it->second;
}

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& v, const std::string& why) {
  throw Error(ErrorKind::kInvalidArgument, "model metadata '" + key + "' = '" + v + "' " + why);
}

}  // namespace

double meta_number(const Model& m, const std::string& key, double fallback) {
  const auto v = meta_string(m, key);
  if (!v) return fallback;
  double d = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (ec != std::errc() || end != v->data() + v->size()) bad(key, *v, "is not a number");
  if (!std::isfinite(d)) bad(key, *v, "is not finite");
  return d;
}

int64_t meta_int(const Model& m, const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
  const auto v = meta_string(m, key);
  if (!v) return fallback;
  int64_t x = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size()) bad(key, *v, "is not an integer");
  if (x < lo || x > hi) bad(key, *v, "is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

}  // namespace edgewm::diffusion
