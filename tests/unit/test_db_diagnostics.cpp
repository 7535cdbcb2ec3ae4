// The SQL of the named queries, captured from the SQLite store itself, their plans on a live
// file and on the expected schema, and the indexes each has; none of it writes to the file.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "core/config/config.hpp"
#include "core/db/diagnostics.hpp"
#include "core/db/store.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

TEST_CASE("db diagnostics: every named query's statements, captured off the live database, and their plans on the live and the expected schema") {
  Scratch s("db-diagnostics");
  const auto path = s / "data/trading-bot.sqlite";
  config::LoadOptions o;
  o.dotenv_file = "";
  o.overrides = {{"DATA_DIR", (s / "data").string()}};
  const auto cfg = config::load(o);
  {
    auto store = db::open_store(cfg, db::Access::create);
    store->migrate();
    store->trades().insert(db::NewTrade{"0x1", "a", "b", Wei(), "", {}, {}, {}, {}, {}, {}, {}});
  }
  const std::string before = bscbot::test::read_text(path);
  const auto names = db::known_query_names();
  for (const char* expected : {"trades.history", "trades.stats", "trades.insert", "trades.cleanup", "metric_samples.record", "metric_samples.series",
                               "daemon_state.set"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), expected) != names.end(), expected);
  }
  for (const auto& name : names) {
    for (const auto& sql : db::statements_of(name)) {
      const bool dml = sql.rfind("SELECT", 0) == 0 || sql.rfind("INSERT", 0) == 0 || sql.rfind("UPDATE", 0) == 0 || sql.rfind("DELETE", 0) == 0 ||
                       sql.rfind("WITH", 0) == 0;
      CHECK_MESSAGE(dml, name << ": " << sql);
    }
  }
  CHECK(db::statements_of("no.such.query").empty());
  // The variants of one query are all there: history with and without each filter.
  CHECK(db::statements_of("trades.history").size() >= 4);

  db::QueryPlans plans(path);
  const auto stats = db::statements_of("trades.stats");
  REQUIRE(stats.size() == 1);
  const auto ideal = plans.expected_plan(stats[0]);
  CHECK(std::any_of(ideal.begin(), ideal.end(), [](const std::string& row) { return row.find("USING INDEX idx_trades_created_at") != std::string::npos; }));
  CHECK(plans.live_indexes().size() == plans.expected_indexes().size());
  CHECK(bscbot::test::read_text(path) == before);
  CHECK(db::probe_writable_now(path).state == db::DbState::ok);
  CHECK(db::journal_mode_of(path) == "wal");
}

TEST_CASE("db diagnostics: the PostgreSQL migrations define the same indexes, by name and table, as the SQLite ones") {
  bscbot::test::Scratch s("diag-pg-indexes");
  auto store = bscbot::test::sqlite_file_store(s / "bot.sqlite");
  bscbot::core::db::QueryPlans plans(s / "bot.sqlite");
  std::map<std::string, std::string> sqlite, pg;
  for (const auto& i : plans.expected_indexes()) sqlite[i.name] = i.table;
  for (const auto& i : bscbot::core::db::expected_pg_indexes()) {
    pg[i.name] = i.table;
    CHECK_MESSAGE(i.sql.rfind("CREATE ", 0) == 0, i.sql);
  }
  CHECK(pg == sqlite);
  CHECK(pg.count("idx_trades_created_at") == 1);  // migration 6's, after it dropped 1's and 4's
  for (const auto& i : bscbot::core::db::expected_pg_indexes()) {
    if (i.name == "idx_trades_created_at") CHECK(i.sql == "CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee)");
    if (i.name == "idx_trades_wallet_created") CHECK(i.sql == "CREATE INDEX idx_trades_wallet_created ON trades(wallet_address, created_at, id)");
  }
}
