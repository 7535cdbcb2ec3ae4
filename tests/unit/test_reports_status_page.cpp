#include <doctest/doctest.h>

#include "core/reports/status_page.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::reports;
using bscbot::test::Scratch;
namespace sample = bscbot::core::metrics::sample;

namespace {

const svg::TimeChart& find(const std::vector<svg::TimeChart>& charts, const std::string& id) {
  for (const auto& c : charts) {
    if (c.id == id) return c;
  }
  FAIL("no chart " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE_TEMPLATE("status page: the day's charts come from the samples and the trades per hour", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Scratch s("status-charts");
  auto store = bscbot::test::make_store(B::backend, s);
  const SystemTime now = parse_sql_datetime("2026-12-02 12:30:00");
  // Two windows of 300 s in the last day, one two days ago (outside).
  const auto window = [](double requests, double p95, double rss) {
    return std::vector<metrics::NamedValue>{{std::string(sample::window_seconds), 300},
                                            {std::string(sample::requests), requests},
                                            {std::string(sample::request_p95_ms), p95},
                                            {std::string(sample::rss_bytes), rss},
                                            {std::string(sample::trade_queue_length), 2}};
  };
  store->samples().record(parse_sql_datetime("2026-11-30 12:00:00"), window(9000, 1, 1));
  store->samples().record(parse_sql_datetime("2026-12-02 10:00:00"), window(600, 120, 16 * 1048576.0));
  store->samples().record(parse_sql_datetime("2026-12-02 10:05:00"), window(1500, 180, 18 * 1048576.0));
  // Three trades at 09:xx (two completed, one failed), one at 11:xx, one a day and a half ago.
  auto& trades = store->trades();
  const std::string wallet = "0x1111111111111111111111111111111111111111";
  const auto add = [&](const char* at, bool ok) {
    const auto id = trades.insert(bscbot::test::sample_trade(wallet, "1000", parse_sql_datetime(at)));
    if (ok) {
      REQUIRE(trades.complete(id, Wei::require("5", "out"), db::TradeReceipt{21000, Wei::require("1", "fee"), 1}));
    } else {
      REQUIRE(trades.fail(id, "reverted", std::nullopt, db::KeepTxHash::no));
    }
  };
  add("2026-12-02 09:10:00", true);
  add("2026-12-02 09:20:00", true);
  add("2026-12-02 09:40:00", false);
  add("2026-12-02 11:00:00", true);
  add("2026-12-01 00:10:00", true);

  const auto charts = day_charts(*store, now, std::chrono::seconds(300));
  const auto& requests = find(charts, "chart-requests");
  REQUIRE(requests.series.size() == 2);
  REQUIRE(requests.series[0].points.size() == 2);
  CHECK(requests.series[0].points[0].y == doctest::Approx(2.0));  // 600 requests in 300 s
  CHECK(requests.series[0].points[1].y == doctest::Approx(5.0));
  CHECK(find(charts, "chart-latency").series[1].points.back().y == doctest::Approx(180));
  CHECK(find(charts, "chart-memory").series[0].points.back().y == doctest::Approx(18));
  CHECK(find(charts, "chart-queue").series[0].points.size() == 2);

  // Trades per hour: every hour of the day is there, the empty ones as zero.
  const auto& per_hour = find(charts, "chart-trades");
  REQUIRE(per_hour.series.size() == 2);
  double total = 0, failed = 0, at_nine = -1;
  for (const auto& p : per_hour.series[0].points) {
    total += p.y;
    if (to_sql_datetime(SystemTime(std::chrono::seconds(static_cast<long long>(p.x)))).substr(0, 13) == "2026-12-02 09") at_nine = p.y;
  }
  for (const auto& p : per_hour.series[1].points) failed += p.y;
  CHECK(per_hour.series[0].points.size() == 25);
  CHECK(total == 4);  // the one a day and a half ago is outside
  CHECK(failed == 1);
  CHECK(at_nine == 3);
  const auto& success = find(charts, "chart-success");
  REQUIRE(success.series[0].points.size() == 2);  // only hours with trades have a rate
  CHECK(success.series[0].points[0].y == doctest::Approx(200.0 / 3));
  CHECK(success.series[0].points[1].y == doctest::Approx(100));
}

TEST_CASE("status page: verdicts, trades and charts are in the page, every text escaped") {
  StatusPage page;
  page.overall = checks::Status::crit;
  page.reason = "database locked <again>";
  page.facts = {{"version", "1.2.3"}};
  page.verdicts = {{"database", checks::Status::crit, "locked"}, {"chain", checks::Status::ok, "disabled"}};
  db::Trade t;
  t.id = 42;
  t.wallet_address = "0x1111111111111111111111111111111111111111";
  t.token_in = "<b>";
  t.token_out = "0x2222222222222222222222222222222222222222";
  t.amount_in = Wei::require("1000", "amount");
  t.status = db::TradeStatus::failed;
  t.error = "reverted: \"INSUFFICIENT_OUTPUT_AMOUNT\"";
  page.trades = {t};
  svg::TimeChart c;
  c.id = "chart-requests";
  c.title = "Requests per second";
  c.from = 0;
  c.to = 10;
  page.charts = {c};
  page.generated_at = parse_sql_datetime("2026-12-02 12:00:00");
  const std::string html = render_status_page(page);
  CHECK(html.find("<span id=\"overall\" class=\"badge crit\">CRIT</span>") != std::string::npos);
  CHECK(html.find("database locked &lt;again&gt;") != std::string::npos);
  CHECK(html.find("data-name=\"database\" data-status=\"crit\"") != std::string::npos);
  CHECK(html.find("data-name=\"chain\" data-status=\"ok\"") != std::string::npos);
  CHECK(html.find("<tr class=\"trade\" data-id=\"42\" data-status=\"failed\">") != std::string::npos);
  CHECK(html.find("&lt;b&gt;") != std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(html.find("&quot;INSUFFICIENT_OUTPUT_AMOUNT&quot;") != std::string::npos);
  CHECK(html.find("id=\"chart-requests\"") != std::string::npos);
  CHECK(html.find("Generated 2026-12-02 12:00:00 UTC; reloads every 30 s") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}
