#pragma once
// Charts as inline SVG text, for the status page (GET / on bscbotd) and the weekly report's
// HTML form. Inline SVG needs no script, no font download and no image request, so the pages
// work offline and under a Content-Security-Policy that forbids everything but inline styles.
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::reports::svg {

struct Point {
  double x = 0;  // unix seconds
  double y = 0;
};

struct Series {
  std::string name;  // shown in the legend
  std::vector<Point> points;  // oldest first
};

// Lines over a fixed time range, e.g. the last 24 hours.
struct TimeChart {
  std::string id;             // element id ("chart-requests"), stable for tests and links
  std::string title;          // "Requests per second"
  std::string unit;           // shown with the axis values: "req/s", "ms", "%", "MiB"
  double from = 0;            // the range shown, unix seconds
  double to = 0;
  std::vector<Series> series;
  std::optional<double> y_max;  // a fixed top (100 for percentages); otherwise from the data
  // Points further apart than this are not joined: the daemon was not running in between.
  double max_gap_seconds = 0;  // 0: always join
};

// One bar per label, e.g. one per day of the week.
struct Bar {
  std::string label;            // "11-25"
  std::optional<double> value;  // none: nothing measured (no bar, marked "n/a")
};

struct BarChart {
  std::string id;
  std::string title;
  std::string unit;
  std::vector<Bar> bars;
  std::optional<double> y_max;
};

std::string render(const TimeChart& chart);
std::string render(const BarChart& chart);

// The value axis: `steps` grid lines `step` apart up to `top` = steps * step, with step one of
// 1, 2 or 5 x 10^k, so every label is a round number people read at a glance.
struct Axis {
  double step = 0.25;
  int steps = 4;
  double top() const { return step * steps; }
};

// The axis for data up to `high` (at most five steps); a fixed top is cut in four.
Axis axis_for(double high);
Axis fixed_axis(double top);

}  // namespace bscbot::core::reports::svg
