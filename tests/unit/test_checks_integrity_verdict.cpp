#include <doctest/doctest.h>

#include "core/checks/database_checks.hpp"
#include "core/checks/integrity_verdict.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot;
using namespace bscbot::core::checks;
using core::FixedClock;
using nlohmann::json;

namespace {

core::SystemTime at(const char* t) { return core::parse_sql_datetime(t); }

IntegrityVerdict verdict(std::string result, const char* when, std::string location) {
  return {std::move(result), "PRAGMA quick_check", std::move(location), at(when), std::chrono::milliseconds(1250)};
}

}  // namespace

TEST_CASE("integrity verdict: /api/health carries it and `bscbot health` reads it back; anything else is no verdict") {
  const auto v = verdict("ok", "2026-12-02 10:00:00", "/srv/bot/data/trading-bot.sqlite");
  const json j = to_json(v, at("2026-12-02 10:01:30"), true);
  CHECK(j["result"] == "ok");
  CHECK(j["age_seconds"] == 90);
  CHECK(j["took_ms"] == 1250);
  CHECK(j["location"] == "/srv/bot/data/trading-bot.sqlite");
  CHECK_FALSE(to_json(v, at("2026-12-02 10:01:30"), false).contains("location"));

  const auto back = verdict_in_health({{"database", {{"integrity", j}}}});
  REQUIRE(back);
  CHECK(back->result == "ok");
  CHECK(back->method == "PRAGMA quick_check");
  CHECK(back->location == v.location);
  CHECK(back->checked_at == v.checked_at);
  CHECK(back->took == v.took);

  CHECK_FALSE(verdict_in_health({{"database", {{"integrity", nullptr}}}}));
  CHECK_FALSE(verdict_in_health({{"database", {{"integrity", {{"result", "ok"}, {"checked_at", "yesterday"}}}}}}));
  CHECK_FALSE(verdict_in_health({{"database", {{"integrity", {{"result", ""}, {"checked_at", "2026-12-02 10:00:00"}}}}}}));
  CHECK_FALSE(verdict_in_health(json::array()));
  CHECK_FALSE(verdict_in_health({{"status", "ok"}}));
}

TEST_CASE("integrity verdict: fresh for twice the interval, never from the future") {
  const auto v = verdict("ok", "2026-12-02 10:00:00", "x");
  const std::chrono::seconds interval(300);
  CHECK(is_fresh(v, at("2026-12-02 10:00:00"), interval));
  CHECK(is_fresh(v, at("2026-12-02 10:10:00"), interval));
  CHECK_FALSE(is_fresh(v, at("2026-12-02 10:10:01"), interval));
  CHECK_FALSE(is_fresh(v, at("2026-12-02 09:59:59"), interval));
}

TEST_CASE("integrity verdict: health uses bscbotd's verdict on the same database, and checks itself otherwise or with --full") {
  test::Scratch s("integrity-verdict");
  auto store = test::sqlite_file_store(s / "bot.sqlite");
  const FixedClock clock(at("2026-12-02 10:05:00"));
  const std::string here = store->location();

  // A damaged verdict from bscbotd is believed (the file itself is fine: the verdict was used).
  const auto damaged = check_integrity(*store, Integrity::quick, verdict("*** in database main ***\nPage 7: btree", "2026-12-02 10:00:00", here), clock);
  CHECK(damaged.status == Status::crit);
  CHECK(damaged.value == "damaged");
  CHECK(damaged.detail.find("by bscbotd 5m") != std::string::npos);
  CHECK(damaged.detail.find("Page 7") != std::string::npos);

  const auto ok = check_integrity(*store, Integrity::quick, verdict("ok", "2026-12-02 10:00:00", here), clock);
  CHECK(ok.status == Status::ok);
  CHECK(ok.detail.find("by bscbotd") != std::string::npos);

  // Another database's verdict, or a full check asked for: checked here.
  const auto other = check_integrity(*store, Integrity::quick, verdict("damaged", "2026-12-02 10:00:00", "/elsewhere.sqlite"), clock);
  CHECK(other.status == Status::ok);
  CHECK(other.detail.find("bscbotd") == std::string::npos);
  const auto full = check_integrity(*store, Integrity::full, verdict("damaged", "2026-12-02 10:00:00", here), clock);
  CHECK(full.status == Status::ok);
  CHECK(full.detail.find("PRAGMA integrity_check") != std::string::npos);
}
