#pragma once
// Stores for contract tests that run on both backends: a migrated SQLite file in the test's
// scratch folder, or a new database on the process's PostgreSQL server (tests/support/postgres).
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "core/db/store.hpp"
#include "tests/support/scratch.hpp"

namespace bscbot::test {

// Tags for TEST_CASE_TEMPLATE("...", B, test::OnSqlite, test::OnPg): each test runs once per
// backend with the same assertions.
struct OnSqlite {
  static constexpr core::db::Backend backend = core::db::Backend::sqlite;
};
struct OnPg {
  static constexpr core::db::Backend backend = core::db::Backend::pg;
};

enum class Migrated { yes, no };

// An empty store of `backend` for one test, migrated unless asked not to be.
std::unique_ptr<core::db::Store> make_store(core::db::Backend backend, const Scratch& scratch, core::db::StoreOptions options = {},
                                            Migrated migrated = Migrated::yes);

// Two stores on one new database (one migrated SQLite file, or one PostgreSQL database), as two
// daemons sharing it would open it.
std::pair<std::unique_ptr<core::db::Store>, std::unique_ptr<core::db::Store>> make_store_pair(core::db::Backend backend, const Scratch& scratch);

// The SQLite store on the file at `path` (created if missing), migrated by `migrations` (all of
// this build's unless a test wants an older schema; none for a file that already has its schema).
std::unique_ptr<core::db::Store> sqlite_file_store(const std::filesystem::path& path,
                                                   std::span<const core::db::Migration> migrations = core::db::known_migrations());

// A plausible BNB -> CAKE trade of `amount_wei` from `wallet`, created at `at` (the database's
// now when unset).
core::db::NewTrade sample_trade(const std::string& wallet, const std::string& amount_wei, std::optional<core::SystemTime> at = {});

// The SQL for "now" and "now minus `seconds`" in `backend`'s dialect, for tests that write rows
// the way an operator's one-liner would.
std::string sql_ago(core::db::Backend backend, long long seconds);

}  // namespace bscbot::test
