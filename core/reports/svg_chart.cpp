#include "core/reports/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>

#include "core/checks/status.hpp"
#include "core/reports/html.hpp"

namespace bscbot::core::reports::svg {

namespace {

// The drawing's own coordinates; the page scales it to its column.
constexpr double k_width = 640, k_height = 220;
constexpr double k_left = 64, k_right = 16, k_top = 40, k_bottom = 28;
constexpr double k_plot_w = k_width - k_left - k_right, k_plot_h = k_height - k_top - k_bottom;
constexpr std::array<const char*, 4> k_colours = {"#2563eb", "#dc2626", "#16a34a", "#9333ea"};

std::string num(double v) { return checks::number_text(v, v != 0 && std::fabs(v) < 10 ? 2 : 1); }

// Coordinates with one decimal: enough for the eye, short for the wire.
std::string coord(double v) { return fmt::format("{:.1f}", v); }

std::string open_svg(const std::string& id, const std::string& title, std::string_view kind, std::size_t series, std::size_t points) {
  return fmt::format(
      "<svg id=\"{0}\" class=\"chart {2}\" data-series=\"{3}\" data-points=\"{4}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {5} {6}\" "
      "role=\"img\" aria-label=\"{1}\">\n<title>{1}</title>\n"
      "<text x=\"{7}\" y=\"20\" font-size=\"14\" font-weight=\"600\" fill=\"currentColor\">{1}</text>\n",
      html::escape(id), html::escape(title), kind, series, points, k_width, k_height, k_left);
}

// Horizontal grid lines at each step, the top one labelled with the unit.
std::string y_axis(const Axis& axis, const std::string& unit) {
  std::string out;
  for (int i = 0; i <= axis.steps; ++i) {
    const double v = axis.step * i;
    const double y = k_top + k_plot_h - k_plot_h * i / axis.steps;
    out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#9ca3af\" stroke-opacity=\"{3}\"/>\n", k_left, k_left + k_plot_w,
                       coord(y), i == 0 ? "0.9" : "0.3");
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"currentColor\">{}{}{}</text>\n", k_left - 6,
                       coord(y + 4), num(v), i == axis.steps && !unit.empty() ? " " : "",
                       i == axis.steps ? html::escape(unit) : "");
  }
  return out;
}

double y_of(double v, double top) { return k_top + k_plot_h - std::clamp(v / top, 0.0, 1.0) * k_plot_h; }

std::string empty_note(std::string_view text) {
  return fmt::format("<text class=\"empty\" x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#6b7280\">{}</text>\n",
                     k_left + k_plot_w / 2, k_top + k_plot_h / 2, html::escape(text));
}

// Tick marks every 1, 3, 6 or 12 hours, or whole days, at most seven, on UTC boundaries.
std::string time_axis(double from, double to) {
  std::string out;
  const double span = to - from;
  if (span <= 0) return out;
  double step = 86400;
  for (const double s : {3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0, 86400.0}) {
    if (span / s <= 7) {
      step = s;
      break;
    }
  }
  while (span / step > 7) step *= 2;
  for (double t = std::ceil(from / step) * step; t <= to; t += step) {
    const double x = k_left + (t - from) / span * k_plot_w;
    std::tm tm{};
    const auto secs = static_cast<std::time_t>(t);
    gmtime_r(&secs, &tm);
    const std::string label = step < 86400 ? fmt::format("{:02}:{:02}", tm.tm_hour, tm.tm_min) : fmt::format("{:02}-{:02}", tm.tm_mon + 1, tm.tm_mday);
    out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#9ca3af\" stroke-opacity=\"0.3\"/>\n", coord(x), k_top, k_top + k_plot_h);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>\n", coord(x),
                       k_top + k_plot_h + 16, label);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\" fill=\"#6b7280\">UTC</text>\n", k_width - k_right, k_height - 2);
  return out;
}

// The legend, right-aligned on the title line: each series with its newest value.
std::string legend(const std::vector<Series>& series, const std::string& unit) {
  std::string out;
  double x = k_width - k_right;
  for (std::size_t i = series.size(); i-- > 0;) {
    const Series& s = series[i];
    const std::string text = s.points.empty() ? s.name + ": none" : fmt::format("{}: {}{}", s.name, num(s.points.back().y), unit.empty() ? "" : " " + unit);
    out += fmt::format("<text class=\"legend\" x=\"{}\" y=\"20\" font-size=\"11\" text-anchor=\"end\" fill=\"{}\">{}</text>\n", coord(x),
                       k_colours[i % k_colours.size()], html::escape(text));
    x -= 7.0 * static_cast<double>(text.size()) + 14;  // about the width of 11 px text
  }
  return out;
}

}  // namespace

Axis axis_for(double high) {
  if (!(high > 0) || !std::isfinite(high)) return {};
  const double rough = high / 4;
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * magnitude;
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= rough * (1 - 1e-9)) {
      step = m * magnitude;
      break;
    }
  }
  const int steps = std::max(1, static_cast<int>(std::ceil(high / step * (1 - 1e-9))));
  return {step, steps};
}

Axis fixed_axis(double top) { return {top > 0 ? top / 4 : 0.25, 4}; }

std::string render(const TimeChart& chart) {
  std::size_t points = 0;
  double high = 0;
  for (const auto& s : chart.series) {
    for (const auto& p : s.points) {
      if (p.x < chart.from || p.x > chart.to) continue;
      ++points;
      high = std::max(high, p.y);
    }
  }
  const Axis axis = chart.y_max ? fixed_axis(*chart.y_max) : axis_for(high);
  const double top = axis.top();
  std::string out = open_svg(chart.id, chart.title, "time", chart.series.size(), points);
  out += y_axis(axis, chart.unit);
  out += time_axis(chart.from, chart.to);
  if (points == 0) {
    out += empty_note("no samples in this period");
  } else {
    out += legend(chart.series, chart.unit);
  }
  const double span = chart.to - chart.from;
  for (std::size_t i = 0; i < chart.series.size() && span > 0; ++i) {
    const Series& s = chart.series[i];
    const char* colour = k_colours[i % k_colours.size()];
    // Runs of points close enough to join; each run is one polyline (or a dot when alone).
    std::vector<std::vector<Point>> runs;
    for (const auto& p : s.points) {
      if (p.x < chart.from || p.x > chart.to) continue;
      const bool gap = runs.empty() || (chart.max_gap_seconds > 0 && p.x - runs.back().back().x > chart.max_gap_seconds);
      if (gap) runs.emplace_back();
      runs.back().push_back(p);
    }
    for (const auto& run : runs) {
      const auto x_of = [&](const Point& p) { return k_left + (p.x - chart.from) / span * k_plot_w; };
      if (run.size() == 1) {
        out += fmt::format("<circle class=\"line\" data-series=\"{}\" cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"/>\n", html::escape(s.name),
                           coord(x_of(run[0])), coord(y_of(run[0].y, top)), colour);
        continue;
      }
      std::string path;
      for (const auto& p : run) {
        if (!path.empty()) path += ' ';
        path += fmt::format("{},{}", coord(x_of(p)), coord(y_of(p.y, top)));
      }
      out += fmt::format("<polyline class=\"line\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"/>\n",
                         html::escape(s.name), path, colour);
    }
  }
  return out + "</svg>\n";
}

std::string render(const BarChart& chart) {
  double high = 0;
  std::size_t measured = 0;
  for (const auto& b : chart.bars) {
    if (!b.value) continue;
    ++measured;
    high = std::max(high, *b.value);
  }
  const Axis axis = chart.y_max ? fixed_axis(*chart.y_max) : axis_for(high);
  const double top = axis.top();
  std::string out = open_svg(chart.id, chart.title, "bars", 1, measured);
  out += y_axis(axis, chart.unit);
  if (chart.bars.empty()) return out + empty_note("nothing in this period") + "</svg>\n";
  const double slot = k_plot_w / static_cast<double>(chart.bars.size());
  const double baseline = k_top + k_plot_h;
  for (std::size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& b = chart.bars[i];
    const double centre = k_left + slot * (static_cast<double>(i) + 0.5);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>\n", coord(centre),
                       baseline + 16, html::escape(b.label));
    if (!b.value) {
      out += fmt::format("<text class=\"na\" x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#6b7280\">n/a</text>\n", coord(centre),
                         baseline - 4);
      continue;
    }
    const double y = y_of(*b.value, top);
    out += fmt::format("<rect class=\"bar\" data-label=\"{}\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                       html::escape(b.label), num(*b.value), coord(centre - slot * 0.35), coord(y), coord(slot * 0.7),
                       coord(baseline - y), k_colours[0]);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>\n", coord(centre),
                       coord(std::max(y - 4, k_top - 2)), num(*b.value));
  }
  return out + "</svg>\n";
}

}  // namespace bscbot::core::reports::svg
