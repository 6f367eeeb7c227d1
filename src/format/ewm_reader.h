#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "format/ewm_format.h"
#include "ir/graph.h"
#include "ir/memory_plan.h"

namespace edgewm {

class OpRegistry;

struct ParsedModel {
  ewm::Header header{};
  Graph graph;  // constants point into the buffer that was parsed
  MemoryPlan plan;
  std::map<std::string, std::string> metadata;
};

// Validates and decodes a .ewm image that stays alive (mapped file or owned buffer) as long as
// the result is used. Every offset, count and id is checked; the metadata hash always is, the
// weights' hash when `verify_data`. Errors are kInvalidModel and start with `what`.
// `ops` is the runtime's op catalogue: ops it lacks are refused, shapes re-inferred with it.
ParsedModel parse_ewm(const uint8_t* base, size_t size, bool verify_data, const std::string& what,
                      const OpRegistry& ops);

}  // namespace edgewm
