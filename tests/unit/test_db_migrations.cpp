// Migrations on both backends: recorded like knex, idempotent, brought forward in a new batch,
// a newer or foreign schema refused, a failing one leaving no trace.
#include <doctest/doctest.h>

#include "core/db/database.hpp"
#include "core/error.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

// An empty store, not migrated.
template <typename B>
struct Empty {
  Scratch scratch{"migrations"};
  std::unique_ptr<db::Store> store = bscbot::test::make_store(B::backend, scratch, {}, bscbot::test::Migrated::no);
  std::string scalar(const std::string& sql) { return store->query_rows(sql).at(0).at(0); }
  bool has_table(const std::string& t) {
    return B::backend == db::Backend::pg ? scalar("SELECT to_regclass('" + t + "') IS NOT NULL") == "t"
                                         : scalar("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='" + t + "'") == "1";
  }
};

}  // namespace

TEST_CASE_TEMPLATE("migrations: a fresh database gets every migration, recorded like knex", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Empty<B> e;
  CHECK(e.store->empty());
  CHECK(e.store->schema_status().current == 0);
  const auto applied = e.store->migrate();
  CHECK(applied.size() == db::known_migrations().size());
  CHECK(applied.front() == "0001_initial_schema");
  for (const auto& table : db::required_tables()) CHECK(e.has_table(table));
  CHECK(e.scalar("SELECT COUNT(*) FROM knex_migrations") == std::to_string(applied.size()));
  CHECK(e.scalar("SELECT MAX(batch) FROM knex_migrations") == "1");
  // The manual's indexes exist under the manual's names, and migration 4's on both backends.
  const std::string index_query = B::backend == db::Backend::pg ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = '"
                                                                 : "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name='";
  for (const char* index : {"idx_trades_wallet_created", "idx_trades_status", "idx_trades_tx_hash", "idx_trades_created_at"}) {
    CAPTURE(index);
    CHECK(e.scalar(index_query + index + "'") == "1");
  }
  if constexpr (B::backend == db::Backend::sqlite) {
    CHECK(e.scalar("PRAGMA user_version") == std::to_string(db::latest_schema_version()));
    CHECK(e.scalar("PRAGMA application_id") == std::to_string(db::k_application_id));
    CHECK(e.scalar("PRAGMA journal_mode") == "wal");
    CHECK(e.scalar("PRAGMA foreign_keys") == "1");
  } else {
    CHECK(e.scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_trades_status'").find("WHERE (status = 'pending'") != std::string::npos);
  }
  // Twice changes nothing.
  CHECK(e.store->migrate().empty());
  CHECK(e.scalar("SELECT COUNT(*) FROM knex_migrations") == std::to_string(applied.size()));
}

TEST_CASE_TEMPLATE("migrations: an older database is brought forward in a new batch", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Empty<B> e;
  const auto all = db::known_migrations();
  e.store->migrate(all.first(1));
  CHECK(e.store->schema_status().current == 1);
  CHECK(e.store->schema_status().pending.size() == all.size() - 1);
  const auto applied = e.store->migrate();
  CHECK(applied.size() == all.size() - 1);
  CHECK(e.scalar("SELECT MAX(batch) FROM knex_migrations") == "2");
}

TEST_CASE_TEMPLATE("migrations: a newer database, or one another tool migrated, is refused", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Empty<B> e;
  e.store->migrate();
  e.store->query_rows("INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('0099_from_the_future', 9, '2026-01-01 00:00:00')");
  CHECK(e.store->schema_status().newer());
  try {
    e.store->migrate();
    FAIL("migrate accepted a newer database");
  } catch (const Error& err) {
    CHECK(err.kind() == ErrorKind::conflict);
    CHECK(std::string(err.what()).find("schema version 99") != std::string::npos);
  }
  Empty<B> foreign;
  foreign.store->query_rows("CREATE TABLE knex_migrations (id INTEGER PRIMARY KEY, name TEXT, batch INTEGER, migration_time TEXT)");
  foreign.store->query_rows("INSERT INTO knex_migrations (id, name, batch) VALUES (1, '20240101_create_trades.js', 1)");
  CHECK_THROWS_WITH_AS(foreign.store->migrate(), doctest::Contains("another tool"), Error);
}

TEST_CASE_TEMPLATE("migrations: a failing migration leaves no trace", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Empty<B> e;
  const db::Migration broken[] = {
      {1, "initial_schema", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);"}};
  CHECK_THROWS_AS(e.store->migrate(broken), Error);
  CHECK_FALSE(e.has_table("a"));
  CHECK(e.scalar("SELECT COUNT(*) FROM knex_migrations") == "0");
}

TEST_CASE("migrations: opening a missing SQLite database for writing names it and the fix") {
  Scratch s("db-missing");
  CHECK_THROWS_WITH_AS(db::open_database(s / "nope.sqlite", db::Access::read_write), doctest::Contains("bscbot init"), Error);
}
