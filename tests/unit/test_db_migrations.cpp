#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "core/db/database.hpp"
#include "core/db/maintenance.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

TEST_CASE("db: a fresh database gets every migration, recorded like knex") {
  Scratch s("db-fresh");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  const auto applied = db::migrate(*db, "t.sqlite");
  CHECK(applied.size() == db::known_migrations().size());
  CHECK(applied.front() == "0001_initial_schema");
  for (const auto& table : db::required_tables()) CHECK(db->tableExists(table));
  CHECK(db->execAndGet("SELECT COUNT(*) FROM knex_migrations").getInt() == static_cast<int>(applied.size()));
  CHECK(db->execAndGet("SELECT MAX(batch) FROM knex_migrations").getInt() == 1);
  CHECK(db->execAndGet("PRAGMA user_version").getInt() == db::latest_schema_version());
  CHECK(db->execAndGet("PRAGMA application_id").getInt() == db::k_application_id);
  CHECK(db::journal_mode(*db) == "wal");
  CHECK(db->execAndGet("PRAGMA foreign_keys").getInt() == 1);
  // The manual's indexes exist under the manual's names.
  for (const char* index : {"idx_trades_wallet_created", "idx_trades_status", "idx_trades_tx_hash"}) {
    CHECK(db->execAndGet(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name='") + index + "'").getInt() == 1);
  }
}

TEST_CASE("db: migrating twice changes nothing") {
  Scratch s("db-repeat");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  db::migrate(*db, "t.sqlite");
  CHECK(db::migrate(*db, "t.sqlite").empty());
  CHECK(db->execAndGet("SELECT COUNT(*) FROM knex_migrations").getInt() == static_cast<int>(db::known_migrations().size()));
  const auto status = db::schema_status(*db);
  CHECK(status.pending.empty());
  CHECK(status.current == db::latest_schema_version());
}

TEST_CASE("db: an older database is brought forward in a new batch") {
  Scratch s("db-older");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  const auto all = db::known_migrations();
  db::migrate(*db, "t.sqlite", all.first(1));
  CHECK(db::schema_status(*db).current == 1);
  CHECK(db::schema_status(*db).pending.size() == all.size() - 1);
  const auto applied = db::migrate(*db, "t.sqlite");
  CHECK(applied.size() == all.size() - 1);
  CHECK(db->execAndGet("SELECT MAX(batch) FROM knex_migrations").getInt() == 2);
}

TEST_CASE("db: a newer database is refused") {
  Scratch s("db-newer");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  db::migrate(*db, "t.sqlite");
  db->exec("INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('0099_from_the_future', 9, datetime('now'))");
  const auto status = db::schema_status(*db);
  CHECK(status.newer());
  try {
    db::migrate(*db, "t.sqlite");
    FAIL("migrate accepted a newer database");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    CHECK(std::string(e.what()).find("schema version 99") != std::string::npos);
  }
}

TEST_CASE("db: a database migrated by another tool is refused") {
  Scratch s("db-foreign");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  db->exec("CREATE TABLE knex_migrations (id INTEGER PRIMARY KEY, name TEXT, batch INTEGER, migration_time DATETIME);"
           "INSERT INTO knex_migrations (name, batch) VALUES ('20240101_create_trades.js', 1)");
  CHECK_THROWS_WITH_AS(db::migrate(*db, "t.sqlite"), doctest::Contains("another tool"), Error);
}

TEST_CASE("db: a failing migration leaves no trace") {
  Scratch s("db-atomic");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  const db::Migration broken[] = {{1, "initial_schema", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);"}};
  CHECK_THROWS_AS(db::migrate(*db, "t.sqlite", broken), Error);
  CHECK_FALSE(db->tableExists("a"));
  CHECK(db->execAndGet("SELECT COUNT(*) FROM knex_migrations").getInt() == 0);
}

TEST_CASE("db: opening a missing database for writing names it and the fix") {
  Scratch s("db-missing");
  CHECK_THROWS_WITH_AS(db::open_database(s / "nope.sqlite", db::Access::read_write), doctest::Contains("bscbot init"), Error);
}
