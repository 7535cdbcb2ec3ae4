#include <doctest/doctest.h>

#include <regex>

#include "core/reports/html.hpp"
#include "core/reports/svg_chart.hpp"

using namespace bscbot::core::reports;

namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The y coordinates of every polyline vertex.
std::vector<double> ys(const std::string& svg) {
  std::vector<double> out;
  const std::regex points("points=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), points); it != std::sregex_iterator(); ++it) {
    const std::string list = (*it)[1];
    const std::regex pair("[0-9.]+,([0-9.]+)");
    for (auto p = std::sregex_iterator(list.begin(), list.end(), pair); p != std::sregex_iterator(); ++p) out.push_back(std::stod((*p)[1]));
  }
  return out;
}

}  // namespace

TEST_CASE("svg: the value axis steps by round numbers and reaches the data in at most five steps") {
  const auto check = [](double high, double step, int steps) {
    const auto a = svg::axis_for(high);
    CHECK_MESSAGE(a.step == doctest::Approx(step), high);
    CHECK_MESSAGE(a.steps == steps, high);
    CHECK(a.top() >= high);
  };
  check(0, 0.25, 4);   // nothing measured: an empty 0..1 axis
  check(-3, 0.25, 4);
  check(21, 10, 3);    // 0, 10, 20, 30 (not 6.25, 12.5, ...)
  check(400, 100, 4);
  check(0.47, 0.2, 3);
  check(1.8, 0.5, 4);
  check(3, 1, 3);
  check(5001, 2000, 3);
  for (double high : {0.013, 0.7, 1.0, 7.0, 99.0, 100.0, 101.0, 12345.0}) {
    const auto a = svg::axis_for(high);
    CHECK((a.steps >= 1 && a.steps <= 5));
    CHECK(a.top() >= high * (1 - 1e-9));
  }
  CHECK(svg::fixed_axis(100).step == 25);
}

TEST_CASE("svg: a time chart draws each series inside its range, breaks at gaps and scales to the top") {
  svg::TimeChart c;
  c.id = "chart-latency";
  c.title = "Response time";
  c.unit = "ms";
  c.from = 0;
  c.to = 3600;
  c.max_gap_seconds = 700;
  // Five samples five minutes apart, then a 20-minute hole (the daemon was down), then two more;
  // one point before the range is not drawn.
  c.series = {{"p95", {{-300, 1}, {0, 100}, {300, 200}, {600, 400}, {900, 300}, {1200, 200}, {2400, 100}, {2700, 50}}}};
  const std::string svg = svg::render(c);
  CHECK(svg.find("id=\"chart-latency\"") != std::string::npos);
  CHECK(svg.find("data-points=\"7\"") != std::string::npos);
  CHECK(count(svg, "<polyline") == 2);  // the hole splits the line
  CHECK(svg.find("<title>Response time</title>") != std::string::npos);
  CHECK(svg.find("p95: 50 ms") != std::string::npos);  // the legend shows the newest value
  CHECK(svg.find("400 ms") != std::string::npos);      // the axis top, labelled with the unit
  // 400 is the top of the plot (y = 40), 100 a quarter up; nothing leaves the plot area.
  const auto y = ys(svg);
  REQUIRE(y.size() == 7);
  CHECK(y[2] == doctest::Approx(40).epsilon(0.01));
  CHECK(y[0] == doctest::Approx(40 + 152 - 0.25 * 152).epsilon(0.01));
  for (double v : y) CHECK((v >= 40 && v <= 192));
  // Ticks at whole UTC hours.
  CHECK(svg.find(">00:00<") != std::string::npos);
  CHECK(svg.find(">01:00<") != std::string::npos);
}

TEST_CASE("svg: a fixed top clamps values above it, and a lone point is a dot") {
  svg::TimeChart c;
  c.id = "chart-success";
  c.title = "Success";
  c.unit = "%";
  c.from = 0;
  c.to = 100;
  c.y_max = 100;
  c.series = {{"rate", {{50, 250}}}};
  const std::string svg = svg::render(c);
  CHECK(count(svg, "<polyline") == 0);
  CHECK(count(svg, "<circle") == 1);
  CHECK(svg.find("cy=\"40.0\"") != std::string::npos);  // clamped to the top
  CHECK(svg.find("100 %") != std::string::npos);
}

TEST_CASE("svg: an empty chart says so instead of drawing a flat line") {
  svg::TimeChart c;
  c.id = "chart-memory";
  c.title = "Memory";
  c.from = 0;
  c.to = 86400;
  c.series = {{"rss", {}}};
  const std::string svg = svg::render(c);
  CHECK(svg.find("class=\"empty\"") != std::string::npos);
  CHECK(svg.find("data-points=\"0\"") != std::string::npos);
  CHECK(count(svg, "<polyline") == 0);
}

TEST_CASE("svg: bar charts mark days without data as n/a, and escape every label") {
  svg::BarChart c{"chart-x", "Trades <per> day", "", {{"11-25", 10}, {"11-26", std::nullopt}, {"a\"b", 5}}, std::nullopt};
  const std::string svg = svg::render(c);
  CHECK(count(svg, "<rect class=\"bar\"") == 2);
  CHECK(count(svg, "class=\"na\"") == 1);
  CHECK(svg.find("Trades &lt;per&gt; day") != std::string::npos);
  CHECK(svg.find("a&quot;b") != std::string::npos);
  CHECK(svg.find("Trades <per>") == std::string::npos);
  CHECK(svg.find("data-value=\"10\"") != std::string::npos);
}

TEST_CASE("html: escaping covers what can end an element or an attribute") {
  CHECK(html::escape("<script>alert('x') & \"y\"</script>") == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  const std::string page = html::page({"t<", 30}, "<p>x</p>");
  CHECK(page.find("<meta http-equiv=\"refresh\" content=\"30\">") != std::string::npos);
  CHECK(page.find("<title>t&lt;</title>") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("http://") == std::string::npos);  // nothing fetched from anywhere
  CHECK(html::page({"t", 0}, "").find("refresh") == std::string::npos);
}
