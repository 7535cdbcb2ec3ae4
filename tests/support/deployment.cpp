#include "tests/support/deployment.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>

#include "core/backup/sha256.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "tests/support/postgres.hpp"

namespace fs = std::filesystem;

namespace bscbot::test {

RunResult init(const fs::path& dir, const std::map<std::string, std::string>& env, std::vector<std::string> extra) {
  std::vector<std::string> args = {"init", "-q"};
  if (testing_pg()) {
    args.push_back("--database-url");
    args.push_back(PgServer::shared().create_database(dir.filename().string()));
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return bscbot(args, dir, env);
}

void use_fresh_database(const fs::path& dir) {
  if (!testing_pg()) return;
  const fs::path dotenv = dir / ".env";
  const std::string text = fs::exists(dotenv) ? read_text(dotenv) : std::string();
  if (text.find("DATABASE_URL=") != std::string::npos) return;
  std::ofstream out(dotenv, std::ios::app);
  out << (text.empty() || text.back() == '\n' ? "" : "\n") << "DB_CLIENT=pg\nDATABASE_URL=" << PgServer::shared().create_database(dir.filename().string())
      << "\n";
}

std::unique_ptr<core::db::Store> deployment_store(const fs::path& dir) {
  core::config::LoadOptions load;
  load.config_file = fs::exists(dir / "bscbot.yaml") ? dir / "bscbot.yaml" : fs::path("/dev/null");
  load.dotenv_file = dir / ".env";
  const auto first = core::config::load(load);
  // Relative folders are the deployment's, not the test process's.
  const fs::path data = first.path("DATA_DIR");
  load.overrides["DATA_DIR"] = (data.is_absolute() ? data : dir / data).string();
  if (first.is_set("DB_PATH") && !first.path("DB_PATH").is_absolute()) load.overrides["DB_PATH"] = (dir / first.path("DB_PATH")).string();
  return core::db::open_store(core::config::load(load), core::db::Access::read_write);
}

std::string sql(const fs::path& dir, const std::string& statement) {
  const auto rows = deployment_store(dir)->query_rows(statement);
  return rows.empty() || rows.front().empty() ? "" : rows.front().front();
}

std::int64_t insert_trade(const fs::path& dir, const std::string& at, const std::string& status, const std::string& wallet,
                          const std::string& amount_wei, const std::string& gas_fee, const std::string& error) {
  const std::string e = error.empty() ? "NULL" : "'" + error + "'";
  auto store = deployment_store(dir);
  store->query_rows(fmt::format(
      "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, gas_fee, error, tx_hash, created_at, updated_at) "
      "VALUES ('{}', '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', '0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', '{}', '{}', '{}', {}, NULL, '{}', '{}')",
      wallet, amount_wei, status, gas_fee, e, at, at));
  return std::stoll(store->query_rows("SELECT MAX(id) FROM trades").at(0).at(0));
}

std::string utc_ago(long long seconds) { return core::to_sql_datetime(core::system_clock().now() - std::chrono::seconds(seconds)); }

std::map<std::string, std::string> crash_at(const std::string& step, std::map<std::string, std::string> env) {
  env["BSCBOT_TEST_CRASH_AT"] = step;
  return env;
}

std::vector<std::string> read_crash_log(const fs::path& log) {
  std::ifstream in(log);
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const int n = ++seen[line];
    out.push_back(n == 1 ? line : line + "#" + std::to_string(n));
  }
  return out;
}

Deployment::Deployment(const std::string& name, std::string at, Init init)
    : env{{"PORT", std::to_string(free_port())}}, now(std::move(at)), m_scratch(name) {
  if (init == Init::yes) bscbot_ok({"init", "-q"});
}

Deployment::~Deployment() {
  std::error_code ec;
  if (fs::exists(dir() / "bscbot.yaml", ec)) bscbot({"daemon", "stop", "--force", "--timeout", "10s"});
}

RunResult Deployment::bscbot(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra) const {
  std::map<std::string, std::string> all = env;
  for (const auto& [k, v] : extra) all[k] = v;
  return bscbot_at(now, args, dir(), all);
}

std::string Deployment::bscbot_ok(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra) const {
  const RunResult r = bscbot(args, extra);
  std::string line;
  for (const auto& a : args) line += " " + a;
  INFO("bscbot" << line << ": " << r.err);
  // A bscbotd that does not stop is a hang to explain: its threads' stacks go with the failure.
  if (r.exit_code != 0 && args.size() >= 2 && args[0] == "daemon" && args[1] == "stop") {
    INFO("bscbotd's threads: " << thread_dump(dir() / "data" / "bscbotd.pid"));
    REQUIRE(r.exit_code == 0);
  }
  REQUIRE(r.exit_code == 0);
  return r.out;
}

void Deployment::add_trades(int count, const std::string& status, const std::string& created_at) const {
  SQLite::Database db(this->db().string(), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  const std::string created = created_at.empty() ? shift(now, -3600) : created_at;
  SQLite::Transaction tx(db);
  SQLite::Statement q(db,
                      "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, gas_fee, created_at, updated_at) "
                      "VALUES ('0x1111111111111111111111111111111111111111', '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', "
                      "'0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', ?, ?, '21000000000000', ?, ?)");
  for (int i = 0; i < count; ++i) {
    q.bind(1, std::to_string(1000 + i) + "000000000000000000");
    q.bind(2, status);
    q.bind(3, created);
    q.bind(4, created);
    q.exec();
    q.reset();
  }
  tx.commit();
}

void Deployment::touch_trade(std::int64_t id, const std::string& status) const {
  SQLite::Database db(this->db().string(), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  SQLite::Statement q(db, "UPDATE trades SET status = ? WHERE id = ?");
  q.bind(1, status);
  q.bind(2, id);
  REQUIRE(q.exec() == 1);
}

std::int64_t Deployment::trade_count() const {
  SQLite::Database db(this->db().string(), SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT COUNT(*) FROM trades").getInt64();
}

std::string trades_digest(const fs::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  SQLite::Statement q(db, "SELECT * FROM trades ORDER BY id");
  core::backup::Sha256 sha;
  while (q.executeStep()) {
    for (int i = 0; i < q.getColumnCount(); ++i) {
      const std::string v = q.getColumn(i).isNull() ? std::string("\x01null") : q.getColumn(i).getString();
      sha.update(v.data(), v.size() + 1);
    }
  }
  return sha.hex_digest();
}

std::string Deployment::trades_digest() const { return test::trades_digest(db()); }

std::string Deployment::integrity() const {
  SQLite::Database db(this->db().string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  SQLite::Statement q(db, "PRAGMA integrity_check");
  std::string result;
  while (q.executeStep()) result += (result.empty() ? "" : "; ") + q.getColumn(0).getString();
  return result;
}

std::vector<std::string> Deployment::leftovers() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir(), ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    const std::string rel = p.lexically_relative(dir()).string();
    if (rel.starts_with("drill-scratch/") && it.depth() == 1) {
      out.push_back(rel);  // a drill's scratch deployment
      it.disable_recursion_pending();
      continue;
    }
    if (core::parse_temp_name(name) || name.ends_with(".restore-journal")) {
      out.push_back(rel);
    } else if (rel.starts_with("backups/") && name.ends_with(".json") && !fs::exists(p.parent_path() / name.substr(0, name.size() - 5))) {
      out.push_back(rel);  // a manifest without its backup
    }
  }
  return out;
}

}  // namespace bscbot::test
