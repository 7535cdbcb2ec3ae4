#pragma once
// A deployment folder for a black-box test, on the backend the suite runs on: SQLite by default,
// PostgreSQL with BSCBOT_TEST_DB=pg (ctest's blackbox_<suite>_pg entries), so the same test
// checks both.
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/db/store.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"

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

// The reliability suites (backup rows, crash, faults) work on SQLite deployments, whose files they
// fingerprint, fill and lock themselves.

// The exit code run() reports for a program that died of SIGKILL.
inline constexpr int k_killed = 128 + SIGKILL;

// `env` plus what makes bscbot and bscbotd SIGKILL themselves at crash point `step`
// (core/util/crash_point.hpp).
std::map<std::string, std::string> crash_at(const std::string& step, std::map<std::string, std::string> env = {});

// The crash points a command passes, in order, recorded from one clean run (each occurrence
// after the first as "name#n").
std::vector<std::string> read_crash_log(const std::filesystem::path& log);

enum class Init { yes, no };

class Deployment {
public:
  // `bscbot init` at `now` ("YYYY-MM-DD HH:MM:SS" UTC) in a new scratch folder (an empty folder
  // with Init::no).
  explicit Deployment(const std::string& name, std::string now = "2026-11-25 02:00:00", Init init = Init::yes);
  ~Deployment();  // stops a daemon a test left running
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  const std::filesystem::path& dir() const { return m_scratch.path(); }
  std::filesystem::path operator/(const std::string& rel) const { return m_scratch / rel; }
  std::filesystem::path db() const { return m_scratch / "data/trading-bot.sqlite"; }

  // The settings every command of this deployment gets (PORT at least).
  std::map<std::string, std::string> env;
  // The injected time commands run at; moved by tests to reach a Sunday or a 1st.
  std::string now;

  // bscbot ARGS at `now` with `env` plus `extra`.
  RunResult bscbot(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra = {}) const;
  // bscbot ARGS, checked to exit 0; returns stdout.
  std::string bscbot_ok(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra = {}) const;

  // Inserts `count` trades created at `created_at` (default: `now` minus an hour).
  void add_trades(int count, const std::string& status = "completed", const std::string& created_at = "") const;
  // One trade's status changed in place: a change that leaves the file size alone.
  void touch_trade(std::int64_t id, const std::string& status) const;
  std::int64_t trade_count() const;
  // Every column of every trade, hashed: what "the old or the new database" is compared by.
  std::string trades_digest() const;
  // PRAGMA integrity_check of the live database ("ok" when sound).
  std::string integrity() const;

  // What must not survive an interrupted command once the next run has finished: temp files
  // (the naming rule of core/util/files.hpp), a restore journal, manifests without a backup,
  // drill scratch folders. Relative paths.
  std::vector<std::string> leftovers() const;

private:
  Scratch m_scratch;
};

// Every trade of the database at `db`, hashed (see Deployment::trades_digest).
std::string trades_digest(const std::filesystem::path& db);

}  // namespace bscbot::test
