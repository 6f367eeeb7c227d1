#pragma once
// Reading a diffusion or world model's metadata (.ewm META section, from its model.json or
// --meta): every value checked, every error naming the key and the value. Numbers must parse
// whole and be finite; integers must be integers (4.5 context frames is an error, not 4) and in
// the range the caller gives.
#include <cstdint>
#include <optional>
#include <string>

#include "edgewm/model.h"

namespace edgewm::diffusion {

// Most denoising steps a model or flag may ask for: beyond every schedule's training steps.
inline constexpr int kMaxSteps = 1000;

std::optional<std::string> meta_string(const Model& m, const std::string& key);
// The value, or `fallback` when absent; kInvalidArgument when present but not a finite number.
double meta_number(const Model& m, const std::string& key, double fallback);
// An integer in [lo, hi], or `fallback` when absent.
int64_t meta_int(const Model& m, const std::string& key, int64_t fallback, int64_t lo, int64_t hi);

}  // namespace edgewm::diffusion
