// Pruning with an injected clock: retention per tier across day, week (Sunday) and month (1st)
// boundaries, and the newest good backup of a tier kept whatever the clock says.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "core/backup/create.hpp"
#include "core/backup/prune.hpp"
#include "core/util/clock.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;
using bscbot::test::backup::utc;

namespace {

constexpr auto k_day = std::chrono::hours(24);

BackupEntry entry(Tier tier, SystemTime t, std::int64_t sequence, BackupState state = BackupState::good) {
  BackupEntry e;
  e.tier = tier;
  e.path = fs::path("/backups") / std::string(to_string(tier)) / backup_file_name(tier, t, Compression::none);
  e.taken_at = t;
  e.taken_at_from = "manifest";
  e.state = state;
  if (state != BackupState::no_manifest) {
    Manifest m;
    m.sequence = sequence;
    m.check = "ok";
    e.manifest = m;
  }
  return e;
}

// The catalog a nightly 02:00 cron job leaves after `days` days from `start`.
Catalog nightly(SystemTime start, int days) {
  Catalog c;
  for (int d = 0; d < days; ++d) {
    const SystemTime t = start + d * k_day;
    for (Tier tier : tiers_for(t)) c.entries.push_back(entry(tier, t, d + 1));
  }
  std::sort(c.entries.begin(), c.entries.end(), newer);
  return c;
}

std::map<Tier, std::vector<SystemTime>> kept(const PrunePlan& plan) {
  std::map<Tier, std::vector<SystemTime>> out;
  for (const auto& d : plan.decisions) {
    if (!d.remove) out[d.entry.tier].push_back(d.entry.taken_at);
  }
  return out;
}

}  // namespace

TEST_CASE("backup: prune keeps 30 days of dailies, 90 of weeklies, 365 of monthlies") {
  const SystemTime start = utc("2024-01-01 02:00:00");
  const Catalog c = nightly(start, 500);
  for (const auto after : {std::chrono::hours(0), std::chrono::hours(1)}) {
    // Right after the last nightly backup, or an hour later: ages count from the newest backup
    // (or from now, had the clock been behind it), so both keep the same backups.
    const SystemTime newest = start + 499 * k_day;
    const PrunePlan plan = plan_prune(c, newest + after, Retention{});
    auto k = kept(plan);
    // Daily: the last 31 nights, ages 0 to 30 days; the 31-day-old one goes.
    CHECK(k[Tier::daily].size() == 31);
    CHECK(k[Tier::weekly].size() == 13);   // the Sundays of the last 90 days
    CHECK(k[Tier::monthly].size() == 12);  // the 1sts of the last 365 days
    for (const auto& d : plan.decisions) {
      const auto age = newest - d.entry.taken_at;
      CHECK(d.remove == (age > Retention{}.of(d.entry.tier)));
      if (d.remove) CHECK(d.reason.find("beyond the") != std::string::npos);
    }
    CHECK(plan.removals() == c.entries.size() - 31 - 13 - 12);
  }
}

TEST_CASE("backup: retention boundaries are exact and configurable") {
  Catalog c;
  const SystemTime now = utc("2024-07-31 02:00:00");
  c.entries = {entry(Tier::daily, now, 3), entry(Tier::daily, now - 30 * k_day, 2),
               entry(Tier::daily, now - 30 * k_day - std::chrono::seconds(1), 1)};
  PrunePlan plan = plan_prune(c, now, Retention{});
  REQUIRE(plan.decisions.size() == 3);
  CHECK_FALSE(plan.decisions[0].remove);
  CHECK_FALSE(plan.decisions[1].remove);  // exactly 30 days: kept
  CHECK(plan.decisions[2].remove);        // one second more: pruned
  Retention week;
  week.daily = std::chrono::hours(24 * 7);
  plan = plan_prune(c, now, week);
  CHECK(plan.removals() == 2);
}

TEST_CASE("backup: the newest good backup of a tier is never pruned") {
  const SystemTime now = utc("2024-07-31 02:00:00");
  SUBCASE("even when it is older than the retention") {
    Catalog c;
    c.entries = {entry(Tier::monthly, now - 400 * k_day, 2), entry(Tier::monthly, now - 430 * k_day, 1)};
    const PrunePlan plan = plan_prune(c, now, Retention{});
    CHECK_FALSE(plan.decisions[0].remove);
    CHECK(plan.decisions[0].reason.find("newest good") != std::string::npos);
  }
  SUBCASE("even when newer backups are bad") {
    Catalog c;
    c.entries = {entry(Tier::daily, now, 3, BackupState::size_mismatch), entry(Tier::daily, now - k_day, 2, BackupState::no_manifest),
                 entry(Tier::daily, now - 45 * k_day, 1)};
    std::sort(c.entries.begin(), c.entries.end(), newer);
    const PrunePlan plan = plan_prune(c, now, Retention{});
    const auto good = std::find_if(plan.decisions.begin(), plan.decisions.end(), [](const PruneDecision& d) { return d.entry.good(); });
    REQUIRE(good != plan.decisions.end());
    CHECK_FALSE(good->remove);
  }
  SUBCASE("and with none good, the newest of the tier stays") {
    Catalog c;
    c.entries = {entry(Tier::weekly, now - 200 * k_day, 0, BackupState::no_manifest),
                 entry(Tier::weekly, now - 300 * k_day, 0, BackupState::no_manifest)};
    std::sort(c.entries.begin(), c.entries.end(), newer);
    const PrunePlan plan = plan_prune(c, now, Retention{});
    CHECK_FALSE(plan.decisions[0].remove);
    CHECK(plan.decisions[1].remove);
  }
}

TEST_CASE("backup: a wrong clock never empties a tier") {
  const SystemTime start = utc("2024-01-01 02:00:00");
  const Catalog c = nightly(start, 200);
  const SystemTime right = start + 199 * k_day;
  const auto correct = kept(plan_prune(c, right, Retention{}));

  SUBCASE("set years back: nothing is deleted, and the plan says why") {
    const PrunePlan plan = plan_prune(c, utc("2019-03-01 00:00:00"), Retention{});
    CHECK(plan.removals() == 0);
    CHECK(plan.decisions[1].reason.find("ahead of the clock") != std::string::npos);
  }
  SUBCASE("set years ahead: the same backups are kept as with the right clock") {
    const PrunePlan plan = plan_prune(c, right + std::chrono::hours(24 * 365 * 5), Retention{});
    CHECK(kept(plan) == correct);
  }
  SUBCASE("a cron job that stopped two months ago: the last 30 days of what exists stay") {
    const PrunePlan plan = plan_prune(c, right + 60 * k_day, Retention{});
    CHECK(kept(plan) == correct);
  }
  SUBCASE("a backup dated in the future by a wrong clock at the time is kept, the rest pruned normally") {
    Catalog skewed = c;
    skewed.entries.push_back(entry(Tier::daily, right + 3000 * k_day, 1000));
    std::sort(skewed.entries.begin(), skewed.entries.end(), newer);
    const PrunePlan plan = plan_prune(skewed, right, Retention{});
    auto k = kept(plan);
    CHECK(k[Tier::daily].size() == correct.at(Tier::daily).size() + 1);
  }
}

TEST_CASE("backup: prune deletes files across tier boundaries with an injected clock") {
  Scratch s("backup-prune-files");
  const fs::path db = s / "data/trading-bot.sqlite";
  bscbot::test::backup::make_database(db, 3);
  CreateOptions o;
  o.database = db;
  o.backup_dir = s / "backups";
  FixedClock clock(utc("2024-08-30 02:00:00"));  // Friday
  // Friday, Saturday, Sunday the 1st, Monday: dailies, one weekly and one monthly (the same file).
  for (int d = 0; d < 4; ++d) {
    create_backup(o, clock);
    clock.advance(std::chrono::hours(24));
  }
  CHECK(fs::exists(s / "backups/weekly/db_2024_W35.sqlite"));
  CHECK(fs::exists(s / "backups/monthly/db_2024_09.sqlite"));
  CHECK(fs::equivalent(s / "backups/weekly/db_2024_W35.sqlite", s / "backups/daily/db_20240901_020000.sqlite"));

  // 35 days later: one more backup, then prune. The dailies of August/September are past 30 days.
  clock.set(utc("2024-10-06 02:00:00"));  // a Sunday
  create_backup(o, clock);
  Retention r;
  PruneResult dry = prune_backups(o.backup_dir, r, clock, DryRun::yes);
  CHECK(dry.plan.removals() == 4);
  CHECK(fs::exists(s / "backups/daily/db_20240830_020000.sqlite"));
  PruneResult done = prune_backups(o.backup_dir, r, clock, DryRun::no);
  CHECK(done.plan.removals() == 4);
  for (const char* gone : {"db_20240830_020000", "db_20240831_020000", "db_20240901_020000", "db_20240902_020000"}) {
    CHECK_FALSE(fs::exists(s / "backups/daily" / (std::string(gone) + ".sqlite")));
    CHECK_FALSE(fs::exists(s / "backups/daily" / (std::string(gone) + ".sqlite.json")));
  }
  // The September 1st backup lives on as the week's and the month's.
  CHECK(fs::exists(s / "backups/weekly/db_2024_W35.sqlite"));
  CHECK(fs::exists(s / "backups/monthly/db_2024_09.sqlite"));
  CHECK(bscbot::test::backup::count_trades(s / "backups/monthly/db_2024_09.sqlite") == 3);
  CHECK(fs::exists(s / "backups/daily/db_20241006_020000.sqlite"));
  // Hard links share their blocks: deleting the September 1st daily frees nothing of it.
  CHECK(done.freed_bytes == 3 * fs::file_size(s / "backups/daily/db_20241006_020000.sqlite"));

  // A year later (2025-11-01, a Saturday, the 1st): the old daily, the 2024 monthly and the
  // older weekly go; the newer weekly stays as the newest good one of its tier.
  clock.set(utc("2025-11-01 02:00:00"));
  create_backup(o, clock);
  const PruneResult later = prune_backups(o.backup_dir, r, clock, DryRun::no);
  CHECK(later.plan.removals() == 3);
  CHECK_FALSE(fs::exists(s / "backups/daily/db_20241006_020000.sqlite"));
  CHECK_FALSE(fs::exists(s / "backups/monthly/db_2024_09.sqlite"));
  CHECK_FALSE(fs::exists(s / "backups/weekly/db_2024_W35.sqlite"));
  CHECK(fs::exists(s / "backups/weekly/db_2024_W40.sqlite"));
  const Catalog after = scan_catalog(o.backup_dir);
  for (Tier t : k_tiers) CHECK_MESSAGE(newest_good(after, t), to_string(t));
  CHECK(after.entries.size() == 3);  // daily and monthly of 2025-11-01, weekly W40
}

TEST_CASE("backup: prune removes leftovers at once: manifests without a backup, temp files of writers that are gone") {
  Scratch s("backup-prune-leftovers");
  const fs::path daily = s / "backups/daily";
  s.write("backups/daily/db_20240101_020000.sqlite.json", "{}");
  // pid 1 is not a bscbot program, and a minute old is old enough: no waiting a day.
  s.write("backups/daily/.db_20240102_020000.sqlite.tmp-1-0", "partial");
  s.write("backups/.latest.tmp-1-3", "");
  const std::string live = fmt::format(".db_20240103_020000.sqlite.tmp-{}-1", ::getpid());
  s.write("backups/daily/" + live, "partial");
  SystemClock clock;
  const PruneResult r = prune_backups(s / "backups", Retention{}, clock, DryRun::no);
  CHECK(r.plan.leftovers.size() == 3);
  CHECK_FALSE(fs::exists(daily / "db_20240101_020000.sqlite.json"));
  CHECK_FALSE(fs::exists(daily / ".db_20240102_020000.sqlite.tmp-1-0"));
  CHECK_FALSE(fs::exists(s / "backups/.latest.tmp-1-3"));
  CHECK(fs::exists(daily / live));  // its writer (this test) is alive: a verify or backup running now
}
