#include "tests/support/deployment.hpp"

#include <fmt/format.h>

#include <fstream>

#include "core/config/config.hpp"
#include "core/util/clock.hpp"
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

}  // namespace bscbot::test
