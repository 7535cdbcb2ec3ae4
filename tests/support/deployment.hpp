#pragma once
// A deployment folder for a black-box test, on the backend the suite runs on: SQLite by default,
// PostgreSQL with BSCBOT_TEST_DB=pg (ctest's blackbox_<suite>_pg entries), so the same test
// checks both.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/db/store.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/postgres.hpp"

namespace bscbot::test {

// `bscbot init -q` in `dir` (plus `extra` arguments): on PostgreSQL with a fresh database of the
// test server, given as --database-url.
RunResult init(const std::filesystem::path& dir, const std::map<std::string, std::string>& env = {}, std::vector<std::string> extra = {});

// On PostgreSQL, points the deployment in `dir` at a new empty database (DB_CLIENT=pg and
// DATABASE_URL added to its .env, as `bscbot init --database-url` writes them) unless its .env
// names one already; nothing on SQLite, whose file the first command creates.
void use_fresh_database(const std::filesystem::path& dir);

// The deployment's database as its commands open it (its bscbot.yaml and .env).
std::unique_ptr<core::db::Store> deployment_store(const std::filesystem::path& dir);

// Runs `sql` (written to run on both backends: text timestamps 'YYYY-MM-DD HH:MM:SS' are UTC on
// both) on the deployment's database; returns the first column of the first row, or "".
std::string sql(const std::filesystem::path& dir, const std::string& statement);

// Inserts a trade the way an operator's import would: `status` with `gas_fee`, created at `at`
// ("YYYY-MM-DD HH:MM:SS" UTC); returns its id.
std::int64_t insert_trade(const std::filesystem::path& dir, const std::string& at, const std::string& status,
                          const std::string& wallet = "0x1111111111111111111111111111111111111111", const std::string& amount_wei = "1000",
                          const std::string& gas_fee = "100", const std::string& error = "");

// Now, or `seconds` ago, in the form above.
std::string utc_ago(long long seconds);

}  // namespace bscbot::test
