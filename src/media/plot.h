#pragma once
// A per-frame latency chart as a PNG-ready image: stacked bars (one segment per stage) and
// horizontal reference lines (median, p99, budget).
#include <string>
#include <vector>

#include "media/text.h"

namespace edgewm {

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per frame
  Color color;
};

struct ReferenceLine {
  std::string name;
  double value;
  Color color;
};

Image stacked_bar_chart(const std::string& title, const std::string& y_label, const std::vector<BarSeries>& series,
                        const std::vector<ReferenceLine>& lines, int width = 900, int height = 360);

}  // namespace edgewm
