// The status page (GET / on bscbotd) and the weekly report's HTML form, loaded in a real browser:
// headless Chromium renders them with every host name but loopback unresolvable (the pages
// must work offline), the test reads the rendered DOM and keeps a screenshot of each in the
// test's scratch folder.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>

#include "tests/blackbox/trade_fixture.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

fs::path chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (fs::exists(p)) return p;
  }
  FAIL("chromium is not installed: run scripts/install-deps");
  return {};
}

// Chromium's arguments for one headless run that may only reach loopback. Root needs
// --no-sandbox; its own profile keeps it from touching the user's.
std::vector<std::string> browser_args(const Scratch& s, const std::string& profile) {
  return {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
          "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--user-data-dir=" + (s / profile).string()};
}

// The DOM after the page rendered, as Chromium serialises it.
std::string rendered_dom(const Scratch& s, const std::string& url) {
  auto args = browser_args(s, "chromium-dom");
  args.push_back("--dump-dom");
  args.push_back(url);
  const auto r = test::run(chromium(), args, s.path(), {}, std::chrono::seconds(90));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// A screenshot of the page, kept in the scratch folder; checks it is a PNG of some substance.
void screenshot(const Scratch& s, const std::string& url, const std::string& name) {
  const fs::path png = s / name;
  auto args = browser_args(s, "chromium-shot");
  args.push_back("--window-size=1280,2400");
  args.push_back("--screenshot=" + png.string());
  args.push_back(url);
  const auto r = test::run(chromium(), args, s.path(), {}, std::chrono::seconds(90));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(fs::exists(png));
  std::ifstream in(png, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  CHECK(std::string(magic + 1, 3) == "PNG");
  CHECK(fs::file_size(png) > 20000);  // a blank page is a few kilobytes
  MESSAGE("screenshot: " << png.string());
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// data-points of the chart `id` in `dom`, -1 when the chart is missing.
int chart_points(const std::string& dom, const std::string& id) {
  const std::regex re("<svg id=\"" + id + "\"[^>]*data-points=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(dom, m, re) ? std::stoi(m[1]) : -1;
}

double sample_rows(const Scratch& s, const char* name) {
  return std::stod(test::sql(s.path(), std::string("SELECT COUNT(*) FROM metric_samples WHERE name = '") + name + "'"));
}

}  // namespace

TEST_SUITE("status") {

TEST_CASE("status: GET / shows the health verdicts, the last trades and 24 h charts in a real browser, offline") {
  Scratch s("status-page");
  REQUIRE(test::init(s.path()).exit_code == 0);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(test::insert_trade(s.path(), test::utc_ago(3600 - i * 60), i == 4 ? "failed" : "completed"));
  Daemon d(s.path(), {{"METRIC_SAMPLE_INTERVAL_S", "1"}, {"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  for (int i = 0; i < 40; ++i) REQUIRE(d.get("/api/health").status == 200);
  // A few sample windows, so the charts have lines.
  REQUIRE(test::eventually([&] { return sample_rows(s, "requests") >= 3 && sample_rows(s, "rss_bytes") >= 3; }, std::chrono::seconds(20)));

  // The page as a program sees it: HTML, never cached, and a policy that forbids any fetch.
  const auto direct = d.get("/");
  REQUIRE(direct.status == 200);
  CHECK(direct.headers.at("content-type").starts_with("text/html"));
  CHECK(direct.headers.at("cache-control") == "no-store");
  CHECK(direct.headers.at("content-security-policy").starts_with("default-src 'none'"));
  CHECK(direct.body.find("<script") == std::string::npos);
  CHECK(direct.body.find("src=\"http") == std::string::npos);
  CHECK(direct.body.find("href=\"http") == std::string::npos);

  const std::string url = d.url("/");
  const std::string dom = rendered_dom(s, url);
  CHECK(dom.find("<title>bscbotd status: OK</title>") != std::string::npos);
  CHECK(dom.find("id=\"overall\" class=\"badge ok\"") != std::string::npos);
  CHECK(dom.find("<meta http-equiv=\"refresh\" content=\"30\">") != std::string::npos);
  for (const char* verdict : {"database", "integrity", "main loop", "chain", "log folder", "backup folder", "trade queue", "websocket clients"}) {
    CHECK_MESSAGE(dom.find(std::string("data-name=\"") + verdict + "\"") != std::string::npos, verdict);
  }
  CHECK(dom.find("data-name=\"database\" data-status=\"ok\"") != std::string::npos);
  CHECK(dom.find("data-name=\"chain\" data-status=\"ok\"") != std::string::npos);  // disabled is not a fault
  // The five trades, newest first, the failed one marked.
  CHECK(count(dom, "<tr class=\"trade\"") == 5);
  CHECK(dom.find("data-id=\"" + std::to_string(ids[4]) + "\" data-status=\"failed\"") != std::string::npos);
  CHECK(dom.find("data-id=\"" + std::to_string(ids[4])) < dom.find("data-id=\"" + std::to_string(ids[0])));
  // Every chart is there; the sampled ones have points from the daemon's own samples.
  for (const char* id : {"chart-requests", "chart-latency", "chart-success", "chart-trades", "chart-queue", "chart-memory"}) {
    CHECK_MESSAGE(chart_points(dom, id) >= 0, id);
  }
  CHECK(chart_points(dom, "chart-requests") >= 3);
  CHECK(chart_points(dom, "chart-memory") >= 3);
  CHECK(chart_points(dom, "chart-success") >= 1);  // the hour with the five trades
  CHECK(count(dom, "<polyline") >= 4);
  screenshot(s, url, "status-page.png");

  // The same rule as the other reads: a request that did not come straight from this host (a
  // proxy's header) needs a viewer token.
  core::net::HttpRequest proxied;
  proxied.url = url;
  proxied.headers["X-Forwarded-For"] = "203.0.113.7";
  CHECK(core::net::perform(proxied).status == 401);
  proxied.headers["Authorization"] = "Bearer " + test::token_for(core::auth::Role::viewer);
  CHECK(core::net::perform(proxied).status == 200);
  d.stop();
}

TEST_CASE("status: report weekly --html writes a page with the key metrics and a chart per figure, read in a browser") {
  Scratch s("status-weekly");
  REQUIRE(test::init(s.path()).exit_code == 0);
  for (int i = 0; i < 8; ++i) test::insert_trade(s.path(), test::utc_ago(86400 * (1 + i % 3)), i < 6 ? "completed" : "failed");
  {
    Daemon d(s.path(), {{"METRIC_SAMPLE_INTERVAL_S", "1"}});
    d.start();
    for (int i = 0; i < 20; ++i) REQUIRE(d.get("/api/health").status == 200);
    REQUIRE(test::eventually([&] { return sample_rows(s, "requests") >= 2; }, std::chrono::seconds(20)));
    d.stop();
  }
  const fs::path page = s / "reports" / "weekly.html";
  auto r = test::bscbot({"--json", "report", "weekly", "--html", page.string()}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["html"] == page.string());
  CHECK_FALSE(doc.contains("path"));  // --html alone writes only the page
  REQUIRE(fs::exists(page));

  const std::string url = "file://" + page.string();
  const std::string dom = rendered_dom(s, url);
  CHECK(dom.find("<h1>Weekly Performance Report</h1>") != std::string::npos);
  CHECK(dom.find("<th>Trade success rate</th><td>75 % (6 of 8 trades)</td><td>&gt; 95 %</td>") != std::string::npos);
  CHECK(count(dom, "<tr class=\"metric\"") == 9);
  for (const char* id : {"chart-requests", "chart-average", "chart-p95", "chart-success", "chart-trades", "chart-cache", "chart-query", "chart-memory"}) {
    CHECK_MESSAGE(chart_points(dom, id) >= 0, id);
  }
  // Eight bars a chart (the seven days and today's part); the trades fall on three of them.
  const std::regex trades_chart("<svg id=\"chart-trades\"[\\s\\S]*?</svg>");
  std::smatch m;
  REQUIRE(std::regex_search(dom, m, trades_chart));
  CHECK(count(m.str(), "<rect class=\"bar\"") == 8);
  CHECK(chart_points(dom, "chart-requests") >= 1);
  screenshot(s, url, "weekly.png");

  // --html wants a file.
  r = test::bscbot({"report", "weekly", "--html", "-"}, s.path());
  CHECK(r.exit_code == 64);  // EX_USAGE, like every usage error
  CHECK(r.err.find("--html needs a file name") != std::string::npos);
}

}  // TEST_SUITE
