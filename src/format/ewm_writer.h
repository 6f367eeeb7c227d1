#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/memory_plan.h"

namespace edgewm {

// Serialises a compiled graph (shapes inferred, constants folded, memory planned).
std::vector<uint8_t> serialize_ewm(const Graph& g, const MemoryPlan& plan,
                                   const std::map<std::string, std::string>& metadata);
// Writes atomically (temporary file + rename) so a crash never leaves a half-written model.
void write_ewm_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace edgewm
