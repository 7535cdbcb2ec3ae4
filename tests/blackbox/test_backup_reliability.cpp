// The backup findings of issue 13, each reproduced as it was found: a kill between two steps of
// a tier link, leftovers of killed backups, a restore killed after it stopped the daemon.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/backup/sha256.hpp"
#include "tests/support/deployment.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;

TEST_SUITE("backup") {

TEST_CASE("backup: killed between the monthly manifest and its link, the old monthly file is never listed good and --latest restores the newest") {
  // Row 1 of issue 13: on the 1st, the second backup of the day replaces the month's.
  test::Deployment d("bb-tier-crash", "2026-12-01 02:00:00");
  d.add_trades(40);
  const json first = json::parse(d.bscbot_ok({"--json", "backup"}));
  REQUIRE(first["tiers"].size() == 2);
  REQUIRE(fs::exists(d / "backups/monthly/db_2026_12.sqlite"));

  // A change that keeps the file's size: the size comparison alone cannot see it.
  d.touch_trade(1, "failed");
  const std::string newest = d.trades_digest();
  d.now = "2026-12-01 03:00:00";
  const auto killed = d.bscbot({"backup"}, test::crash_at("backup.tier_manifest_written"));
  REQUIRE(killed.exit_code == test::k_killed);

  // Whatever the monthly tier holds now, what is listed good agrees with its manifest.
  const json list = json::parse(d.bscbot_ok({"--json", "backup", "list"}));
  for (const auto& b : list["backups"]) {
    if (!b["good"].get<bool>()) continue;
    INFO("listed good: " << b["path"]);
    CHECK(core::backup::sha256_file(d / b["path"].get<std::string>()) == b["manifest"]["sha256"].get<std::string>());
  }

  // --latest restores the newest backup: the 03:00 daily, with the changed trade.
  const auto restored = d.bscbot({"--json", "restore", "--latest", "--yes"});
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  CHECK(json::parse(restored.out)["backup"].get<std::string>().find("db_20261201_030000") != std::string::npos);
  CHECK(d.trades_digest() == newest);
}

}  // TEST_SUITE
