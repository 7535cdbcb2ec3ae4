#include <doctest/doctest.h>
#include <fmt/format.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fstream>

#include "core/checks/database_checks.hpp"
#include "core/checks/integrity_verdict.hpp"
#include "core/db/database.hpp"
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

TEST_CASE("integrity check: a page SQLite cannot parse is a damaged verdict, not a check that could not run") {
  // quick_check reports such a page as a row and then fails its next step with SQLITE_CORRUPT;
  // bscbotd once took that error for "could not run" and kept /api/health at 200.
  test::Scratch s("integrity-unparsable-page");
  const auto path = s / "damaged.sqlite";
  std::int64_t page_size = 0, pages = 0;
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (x TEXT)");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT printf('%0100d', i) FROM n");
    page_size = db.execAndGet("PRAGMA page_size").getInt64();
    pages = db.execAndGet("PRAGMA page_count").getInt64();
    CHECK(core::db::check_integrity(db, false) == "ok");
  }
  REQUIRE(pages > 2);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((pages - 1) * page_size);  // the table's last leaf
    const std::string garbage(static_cast<std::size_t>(page_size), '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  for (const bool full : {false, true}) {
    const std::string result = core::db::check_integrity(db, full);
    CHECK_MESSAGE(result.find(fmt::format("Page {}", pages)) != std::string::npos, result);
    CHECK_MESSAGE(result.find("malformed") != std::string::npos, result);
  }
}
