// Every command that reasons about dates, run at the dates that break date logic: a 1st of a
// month, a Sunday, a Sunday the 1st, the last seconds of a year, Feb 29 of a leap year and an
// ordinary weekday. The CLI's injected clock (test::bscbot_at) sets the date; file times are set
// from the same instant, so nothing here depends on the day the suite runs.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/util/clock.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

constexpr long long k_hour = 3600, k_day = 86400;

// One date under test and what the manual's calendar says about it, written out by hand so the
// expectation does not come from the code under test.
struct Instant {
  const char* now;            // UTC
  const char* what;
  const char* weekly;         // the week's backup file, when it is a Sunday
  const char* monthly;        // the month's backup file, when it is the 1st
  const char* last_month;     // YYYYMM of the log archive
  const char* report_file;    // the weekly report's default name
  const char* first_report_day;  // the oldest UTC day the 7-day report touches
};

const Instant k_instants[] = {
    {"2026-12-01 02:00:00", "the 1st of a month", nullptr, "db_2026_12.sqlite", "202611", "weekly_20261201.md", "2026-11-24"},
    {"2026-11-29 02:00:00", "a Sunday", "db_2026_W48.sqlite", nullptr, "202610", "weekly_20261129.md", "2026-11-22"},
    {"2026-11-01 02:00:00", "a Sunday the 1st", "db_2026_W44.sqlite", "db_2026_11.sqlite", "202610", "weekly_20261101.md", "2026-10-25"},
    {"2026-12-31 23:59:50", "the last seconds of a year", nullptr, nullptr, "202611", "weekly_20261231.md", "2026-12-24"},
    {"2028-02-29 12:00:00", "Feb 29 of a leap year", nullptr, nullptr, "202801", "weekly_20280229.md", "2028-02-22"},
    {"2026-11-25 02:00:00", "an ordinary Wednesday", nullptr, nullptr, "202610", "weekly_20261125.md", "2026-11-18"},
};

void insert_trade(const Scratch& s, const std::string& created_at, const char* status, const char* wallet = "0x1111111111111111111111111111111111111111") {
  test::insert_trade(s.path(), created_at, status, wallet);
}

// Runs `bscbot --json ARGS` at `now`; checks the exit code unless `any_exit`.
enum class AnyExit { no, yes };
json run_json(const std::string& now, std::vector<std::string> args, const Scratch& s, AnyExit any_exit = AnyExit::no) {
  args.insert(args.begin(), "--json");
  const auto r = test::bscbot_at(now, args, s.path());
  INFO("bscbot --now '" << now << "' " << args[1] << ": " << r.err);
  if (any_exit == AnyExit::no) REQUIRE(r.exit_code == 0);
  REQUIRE(r.exit_code >= 0);
  return json::parse(r.out);
}

void init_at(const Scratch& s, const std::string& now) {
  const auto r = test::init(s.path(), {{"BSCBOT_TEST_CLOCK", "1"}}, {"--now", now});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

std::string backup_at(const Scratch& s, const std::string& now) {
  const json doc = run_json(now, {"backup"}, s);
  return doc["path"].get<std::string>();
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

// The instants' names are of SQLite backups; a PostgreSQL deployment's are pg_dump archives.
std::string on_backend(std::string name) {
  if (test::testing_pg()) name.replace(name.rfind(".sqlite"), 7, ".pgdump");
  return name;
}

const json* finding(const json& audit, const std::string& id) {
  for (const auto& f : audit["findings"]) {
    if (f["id"] == id) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("calendar") {

TEST_CASE("calendar: the rotation tiers, `backup list` and file ages follow the injected date") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-tiers");
    init_at(s, at.now);
    for (int i = 0; i < 5; ++i) insert_trade(s, test::shift(at.now, -k_hour), "completed");
    const json created = run_json(at.now, {"backup"}, s);
    std::set<std::string> tiers;
    for (const auto& t : created["tiers"]) tiers.insert(t["tier"].get<std::string>() + ":" + file_name(t["path"].get<std::string>()));
    std::set<std::string> expected = {"daily:" + file_name(created["path"].get<std::string>())};
    if (at.weekly) expected.insert("weekly:" + on_backend(at.weekly));
    if (at.monthly) expected.insert("monthly:" + on_backend(at.monthly));
    CHECK(tiers == expected);
    // The daily file is named after the injected time and dated by it.
    std::string stamp = at.now;  // "YYYY-MM-DD HH:MM:SS" -> "YYYYMMDD_HHMMSS"
    stamp = stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "_" + stamp.substr(11, 2) + stamp.substr(14, 2) + stamp.substr(17, 2);
    CHECK(file_name(created["path"].get<std::string>()) == on_backend("db_" + stamp + ".sqlite"));
    const auto mtime = std::chrono::file_clock::to_sys(fs::last_write_time(s / created["path"].get<std::string>()));
    CHECK(core::to_sql_datetime(std::chrono::time_point_cast<core::SystemTime::duration>(mtime)) == at.now);

    const json list = run_json(at.now, {"backup", "list"}, s);
    CHECK(list["backups"].size() == expected.size());
    for (const auto& b : list["backups"]) {
      CHECK(b["state"] == "good");
      CHECK(b["manifest"]["tables"]["trades"] == 5);
    }
    CHECK(list["stale"] == false);
    // A day and an hour later (BACKUP_MAX_AGE_HOURS=24) the same backup is stale.
    CHECK(run_json(test::shift(at.now, 25 * k_hour), {"backup", "list"}, s)["stale"] == true);
  }
}

TEST_CASE("calendar: prune keeps 30 days of dailies counted from the injected date, and every tier copy") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-prune");
    init_at(s, at.now);
    const std::string old_daily = file_name(backup_at(s, test::shift(at.now, -31 * k_day)));
    const std::string kept_daily = file_name(backup_at(s, test::shift(at.now, -29 * k_day)));
    const std::string newest = file_name(backup_at(s, test::shift(at.now, -k_hour)));

    const json plan = run_json(at.now, {"backup", "prune", "--dry-run"}, s);
    std::set<std::string> deleted, kept;
    for (const auto& d : plan["decisions"]) {
      const std::string name = file_name(d["path"].get<std::string>());
      (d["delete"].get<bool>() ? deleted : kept).insert(d["tier"].get<std::string>() + ":" + name);
    }
    CHECK(deleted == std::set<std::string>{"daily:" + old_daily});
    CHECK(kept.count("daily:" + kept_daily) == 1);
    CHECK(kept.count("daily:" + newest) == 1);

    run_json(at.now, {"backup", "prune"}, s);
    CHECK_FALSE(fs::exists(s / "backups/daily" / old_daily));
    CHECK(fs::exists(s / "backups/daily" / kept_daily));
    // Two days on, with that day's backup taken, the next daily crosses the line.
    const std::string later_now = test::shift(at.now, 2 * k_day);
    backup_at(s, later_now);
    const json later = run_json(later_now, {"backup", "prune", "--dry-run"}, s);
    std::set<std::string> later_deleted;
    for (const auto& d : later["decisions"]) {
      if (d["delete"].get<bool>() && d["tier"] == "daily") later_deleted.insert(file_name(d["path"].get<std::string>()));
    }
    CHECK(later_deleted == std::set<std::string>{kept_daily});
  }
}

TEST_CASE("calendar: audit's backup freshness counts the backup's age on the injected clock") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-audit");
    init_at(s, at.now);
    backup_at(s, test::shift(at.now, -k_hour));
    const json fresh = run_json(at.now, {"audit"}, s, AnyExit::yes);
    const json* f = finding(fresh, "backup_freshness");
    REQUIRE(f != nullptr);
    CHECK((*f)["severity"] == "OK");
    CHECK((*f)["evidence"].get<std::string>().find("1h") != std::string::npos);
    // 23 hours on it is still fresh; 25 hours on (BACKUP_MAX_AGE_HOURS=24) it is not.
    CHECK((*finding(run_json(test::shift(at.now, 23 * k_hour), {"audit"}, s, AnyExit::yes), "backup_freshness"))["severity"] == "OK");
    const json stale = run_json(test::shift(at.now, 24 * k_hour), {"audit"}, s, AnyExit::yes);
    CHECK((*finding(stale, "backup_freshness"))["severity"] == "WARN");
  }
}

TEST_CASE("calendar: the 90-day cleanup and the 24-hour windows cut at the injected instant") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-cleanup");
    init_at(s, at.now);
    insert_trade(s, test::shift(at.now, -90 * k_day - 60), "completed");  // just beyond 90 days: deleted
    insert_trade(s, test::shift(at.now, -90 * k_day + 60), "completed");  // just within: kept
    insert_trade(s, test::shift(at.now, -91 * k_day), "pending");         // old but unreconciled: kept
    insert_trade(s, test::shift(at.now, -24 * k_hour - 60), "failed");     // outside the last 24 h
    insert_trade(s, test::shift(at.now, -24 * k_hour + 60), "completed", "0x2222222222222222222222222222222222222222");
    insert_trade(s, test::shift(at.now, -60), "failed");
    const json dry = run_json(at.now, {"db", "cleanup", "--older-than", "90d", "--dry-run"}, s);
    CHECK(dry["cutoff"] == test::shift(at.now, -90 * k_day));
    CHECK(dry["deleted"] == 1);
    CHECK(dry["kept_pending"] == 1);
    const json done = run_json(at.now, {"db", "cleanup"}, s);  // RETENTION_DAYS=90
    CHECK(done["deleted"] == 1);
    CHECK(test::sql(s.path(), "SELECT COUNT(*) FROM trades") == "5");

    const json day = run_json(at.now, {"trade", "stats", "--since", "24h"}, s);
    CHECK(day["since"] == test::shift(at.now, -24 * k_hour));
    CHECK(day["total"] == 2);
    CHECK(day["completed"] == 1);
    CHECK(day["success_rate"] == 50.0);
    CHECK(day["wallets"] == 2);
  }
}

TEST_CASE("calendar: the monthly log archive takes logs older than 30 days and is named after last month") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-logs");
    init_at(s, at.now);
    s.write("logs/api-server.log", "current\n");
    s.write("logs/api-server.1.log", "29 days old\n");
    s.write("logs/api-server.2.log", "31 days old\n");
    test::set_mtime(s / "logs/api-server.log", test::shift(at.now, -60));
    test::set_mtime(s / "logs/api-server.1.log", test::shift(at.now, -29 * k_day));
    test::set_mtime(s / "logs/api-server.2.log", test::shift(at.now, -31 * k_day));
    const json plan = run_json(at.now, {"logs", "archive", "--dry-run"}, s);
    CHECK(plan["files"] == json::array({"api-server.2.log"}));
    const json done = run_json(at.now, {"logs", "archive"}, s);
    CHECK(file_name(done["archive"].get<std::string>()) == std::string("archive_") + at.last_month + ".tar.gz");
    CHECK(fs::exists(s / "logs" / (std::string("archive_") + at.last_month + ".tar.gz")));
    CHECK_FALSE(fs::exists(s / "logs/api-server.2.log"));
    CHECK(fs::exists(s / "logs/api-server.1.log"));
  }
}

TEST_CASE("calendar: the weekly report covers the 7 days before the injected instant, day by day") {
  for (const Instant& at : k_instants) {
    INFO("on " << at.what << " (" << at.now << ")");
    Scratch s("calendar-weekly");
    init_at(s, at.now);
    auto sample = [&](long long offset, int requests) {
      test::sql(s.path(), "INSERT INTO metric_samples (sampled_at, name, value) VALUES ('" + test::shift(at.now, offset) + "', 'requests', " +
                              std::to_string(requests) + ")");
    };
    sample(-k_hour, 100);
    sample(-7 * k_day + k_hour, 10);
    sample(-7 * k_day - k_hour, 1000);  // before the week
    sample(5, 5000);                    // after the instant (a clock ahead): not this report's
    insert_trade(s, test::shift(at.now, -2 * k_hour), "completed");  // at 02:00, this is midnight: the last day's
    insert_trade(s, test::shift(at.now, -6 * k_day), "failed");
    insert_trade(s, test::shift(at.now, -8 * k_day), "completed");
    const json doc = run_json(at.now, {"report", "weekly", "--output", "-"}, s);
    CHECK(doc["until"] == at.now);
    CHECK(doc["since"] == test::shift(at.now, -7 * k_day));
    CHECK(doc["total"]["requests"] == 110);
    CHECK(doc["total"]["trades"]["total"] == 2);
    CHECK(doc["total"]["trades"]["success_rate"] == 50.0);
    REQUIRE(doc["days"].size() == 8);  // the first and the last day are partial
    CHECK(doc["days"].front()["label"] == at.first_report_day);
    CHECK(doc["days"].back()["label"] == std::string(at.now).substr(0, 10));
    CHECK(doc["days"].back()["requests"] == 100);
    CHECK(doc["days"].back()["trades"]["total"] == 1);

    const json written = run_json(at.now, {"report", "weekly"}, s);
    CHECK(file_name(written["path"].get<std::string>()) == at.report_file);
    CHECK(fs::exists(s / "reports" / at.report_file));
  }
}

TEST_CASE("calendar: --now is refused unless the environment is a test's") {
  Scratch s("calendar-refused");
  const auto r = test::run(test::bscbot_exe(), {"--now", "2026-12-01 00:00:00", "backup", "list"}, s.path(), {{"BSCBOT_TEST_CLOCK", ""}});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("--now is for tests only") != std::string::npos);
  const auto bad = test::bscbot_at("yesterday", {"backup", "list"}, s.path());
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("'yesterday' is not a UTC time") != std::string::npos);
}

}  // TEST_SUITE
