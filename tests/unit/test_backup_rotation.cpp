// The manual's rotation: which tiers a backup belongs to, and its file names.
#include <doctest/doctest.h>

#include "core/backup/rotation.hpp"
#include "tests/unit/backup_fixtures.hpp"

using namespace bscbot::core::backup;
using bscbot::test::backup::utc;

TEST_CASE("backup: every backup is daily, Sunday's also weekly, the 1st's also monthly (UTC)") {
  using V = std::vector<Tier>;
  CHECK(tiers_for(utc("2024-06-03 02:00:00")) == V{Tier::daily});                               // Monday
  CHECK(tiers_for(utc("2024-06-01 02:00:00")) == V{Tier::daily, Tier::monthly});                // Saturday the 1st
  CHECK(tiers_for(utc("2024-06-02 02:00:00")) == V{Tier::daily, Tier::weekly});                 // Sunday
  CHECK(tiers_for(utc("2024-09-01 02:00:00")) == V{Tier::daily, Tier::weekly, Tier::monthly});  // Sunday the 1st
  // The tier changes exactly at midnight UTC.
  CHECK(tiers_for(utc("2024-06-01 23:59:59")) == V{Tier::daily, Tier::monthly});
  CHECK(tiers_for(utc("2024-06-02 00:00:00")) == V{Tier::daily, Tier::weekly});
  CHECK(tiers_for(utc("2024-06-02 23:59:59")) == V{Tier::daily, Tier::weekly});
  CHECK(tiers_for(utc("2024-06-03 00:00:00")) == V{Tier::daily});
  // Leap day and the last day of a month are plain days.
  CHECK(tiers_for(utc("2024-02-29 02:00:00")) == V{Tier::daily});
  CHECK(tiers_for(utc("2024-03-01 02:00:00")) == V{Tier::daily, Tier::monthly});
}

TEST_CASE("backup: file names follow the manual's script") {
  const auto t = utc("2024-12-04 02:00:00");
  CHECK(backup_file_name(Tier::daily, t, Compression::none) == "db_20241204_020000.sqlite");
  CHECK(backup_file_name(Tier::daily, t, Compression::zstd) == "db_20241204_020000.sqlite.zst");
  CHECK(backup_file_name(Tier::monthly, utc("2024-12-01 02:00:00"), Compression::gzip) == "db_2024_12.sqlite.gz");
  CHECK(backup_file_name(Tier::weekly, utc("2024-06-02 02:00:00"), Compression::none) == "db_2024_W22.sqlite");
  // ISO weeks around the new year belong to the ISO year (the manual's %Y_W%V would say 2027_W53).
  CHECK(backup_file_name(Tier::weekly, utc("2027-01-03 02:00:00"), Compression::none) == "db_2026_W53.sqlite");
  CHECK(backup_file_name(Tier::weekly, utc("2024-12-29 02:00:00"), Compression::none) == "db_2024_W52.sqlite");
  CHECK(backup_file_name(Tier::weekly, utc("2026-01-04 02:00:00"), Compression::none) == "db_2026_W01.sqlite");
}

TEST_CASE("backup: names give back their time") {
  CHECK(time_from_name("db_20241204_020000.sqlite") == utc("2024-12-04 02:00:00"));
  CHECK(time_from_name("db_20241204_020000_2.sqlite.zst") == utc("2024-12-04 02:00:00"));
  CHECK(time_from_name("db_2024_12.sqlite.gz") == utc("2024-12-01 00:00:00"));
  for (const char* sunday : {"2024-06-02", "2027-01-03", "2024-12-29", "2026-01-04"}) {
    const auto t = utc(std::string(sunday) + " 02:00:00");
    CHECK(time_from_name(backup_file_name(Tier::weekly, t, Compression::none)) == utc(std::string(sunday) + " 00:00:00"));
  }
  CHECK_FALSE(time_from_name("trading-bot.sqlite"));
  CHECK_FALSE(time_from_name("db_latest.sqlite"));
  CHECK_FALSE(time_from_name("db_20241399_020000.sqlite"));
}

TEST_CASE("backup: tier and compression names parse") {
  for (Tier t : k_tiers) CHECK(parse_tier(to_string(t)) == t);
  CHECK_FALSE(parse_tier("hourly"));
  for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) CHECK(parse_compression(to_string(c)) == c);
  CHECK_FALSE(parse_compression("xz"));
}
