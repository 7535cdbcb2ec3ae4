#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/reports/weekly.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::reports;
using bscbot::test::Scratch;
namespace sample = bscbot::core::metrics::sample;

namespace {

config::Config default_config(const Scratch& s) {
  config::LoadOptions o;
  o.config_file = s.write("bscbot.yaml", "");
  o.dotenv_file = s / ".env";
  return config::load(o);
}

// One 5-minute window: `requests` answers split between two latency buckets.
std::vector<metrics::NamedValue> window(double requests, double fast_share, double errors, double hits, double misses) {
  return {{std::string(sample::window_seconds), 300},
          {std::string(sample::requests), requests},
          {std::string(sample::request_seconds), requests * 0.004},
          {std::string(sample::errors_5xx), errors},
          {std::string(sample::unauthorized), 1},
          {std::string(sample::queries), 10},
          {std::string(sample::cache_hits), hits},
          {std::string(sample::cache_misses), misses},
          {std::string(sample::cpu_seconds), 3},
          {std::string(sample::rss_bytes), 20e6},
          {std::string(sample::ws_connections), 4},
          {"request_bucket:0.001", requests * fast_share},
          {"request_bucket:0.25", requests * (1 - fast_share)},
          {"query_bucket:0.0005", 10}};
}

}  // namespace

TEST_CASE_TEMPLATE("reports: the weekly report adds up the daemon's windows and the week's trades", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Scratch s("weekly");
  auto store = bscbot::test::make_store(B::backend, s);
  db::MetricStore& samples = store->samples();
  const SystemTime until = parse_sql_datetime("2026-11-27 12:00:00");
  samples.record(parse_sql_datetime("2026-11-19 08:00:00"), window(100, 1.0, 0, 80, 20));   // before the period: ignored
  samples.record(parse_sql_datetime("2026-11-21 08:00:00"), window(1000, 0.9, 10, 90, 10));
  samples.record(parse_sql_datetime("2026-11-26 08:00:00"), window(1000, 0.9, 30, 50, 50));
  // Rows as an operator's one-liner would write them: the same SQL on both backends.
  for (int i = 0; i < 20; ++i) {
    const char* status = i < 19 ? "completed" : "failed";
    store->query_rows(fmt::format("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, gas_fee, created_at) VALUES "
                         "('0x1111111111111111111111111111111111111111', 'a', 'b', '1', '{}', '1000000000000000', '2026-11-2{} 09:00:00')",
                         status, i < 10 ? 1 : 6));
  }
  store->query_rows("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, created_at) VALUES "
                    "('0x1111111111111111111111111111111111111111', 'a', 'b', '1', 'completed', '2026-11-10 09:00:00')");

  const WeeklyReport r = build_weekly(*store, until, 7);
  CHECK(r.since == "2026-11-20 12:00:00");
  CHECK(r.total.requests == 2000);
  CHECK(r.total.errors_5xx == 40);
  CHECK(*r.total.error_rate_percent() == doctest::Approx(2));
  CHECK(*r.total.average_ms() == doctest::Approx(4));
  CHECK(*r.total.cache_hit_percent() == doctest::Approx(70));
  CHECK(*r.total.cpu_percent() == doctest::Approx(1));
  CHECK(r.total.peak_rss_bytes == 20e6);
  // 90 % of answers within 1 ms, the rest up to 250 ms: P95 halfway into that bucket.
  CHECK(*r.total.request_p95_ms == doctest::Approx(1 + 249 * 0.5));
  // All queries in the first bucket (0, 0.5 ms]: interpolated from zero, as histogram_quantile does.
  CHECK(*r.total.query_p95_ms == doctest::Approx(0.475));
  CHECK(r.total.trades.total == 20);
  CHECK(r.total.trades.completed == 19);
  CHECK(*r.total.trades.success_rate == doctest::Approx(95));
  CHECK(*r.gas_fee_avg_wei == doctest::Approx(1e15));
  CHECK(r.coverage_percent() == doctest::Approx(600.0 * 100 / (7 * 86400)));

  REQUIRE(r.days.size() == 8);  // 20th (partial) to 27th (partial)
  CHECK(r.days.front().label == "2026-11-20");
  CHECK(r.days[1].label == "2026-11-21");
  CHECK(r.days[1].requests == 1000);
  CHECK(r.days[1].trades.total == 10);
  CHECK(*r.days[6].cache_hit_percent() == doctest::Approx(50));
  CHECK(r.days[6].trades.failed == 1);

  const std::string md = render_weekly(r, default_config(s));
  for (const char* part : {"# Weekly Performance Report", "| Average response time | 4 ms | < 200 ms | OK |",
                           "| Trade success rate | 95 % (19 of 20 trades) | > 95 % | WARN |", "| Cache hit rate | 70 % | > 70 % | WARN |",
                           "| Error rate (5xx) | 2 % | < 1 % | WARN |", "| 2026-11-21 | 1000 |", "## Coverage"}) {
    CHECK_MESSAGE(md.find(part) != std::string::npos, part);
  }
  CHECK(to_json(r)["total"]["requests"] == 2000);
}

TEST_CASE("reports: a week without samples shows trades and says what is missing") {
  Scratch s("weekly-empty");
  auto store = bscbot::test::make_store(db::Backend::sqlite, s);
  const auto r = build_weekly(*store, parse_sql_datetime("2026-11-27 12:00:00"), 7);
  CHECK(r.total.requests == 0);
  CHECK_FALSE(r.total.average_ms());
  const std::string md = render_weekly(r, default_config(s));
  CHECK(md.find("| Average response time | - | < 200 ms | no data |") != std::string::npos);
  CHECK(md.find("cover 0 %") != std::string::npos);
}
