#include "tests/support/stores.hpp"

#include "core/config/config.hpp"
#include "tests/support/postgres.hpp"

namespace bscbot::test {

namespace {

core::config::Config store_config(core::db::Backend backend, const Scratch& scratch, const std::string& url) {
  core::config::LoadOptions load;
  load.config_file = scratch.write("store.yaml", "");
  load.dotenv_file = scratch / "no.env";
  if (backend == core::db::Backend::pg) load.overrides = {{"DB_CLIENT", "pg"}, {"DATABASE_URL", url}};
  else load.overrides = {{"DB_PATH", (scratch / "t.sqlite").string()}};
  return core::config::load(load);
}

}  // namespace

std::unique_ptr<core::db::Store> make_store(core::db::Backend backend, const Scratch& scratch, core::db::StoreOptions options,
                                            Migrated migrated) {
  const std::string url = backend == core::db::Backend::pg ? PgServer::shared().create_database(scratch.path().filename().string()) : "";
  auto store = core::db::open_store(store_config(backend, scratch, url), core::db::Access::create, std::move(options));
  if (migrated == Migrated::yes) store->migrate();
  return store;
}

std::pair<std::unique_ptr<core::db::Store>, std::unique_ptr<core::db::Store>> make_store_pair(core::db::Backend backend, const Scratch& scratch) {
  const std::string url = backend == core::db::Backend::pg ? PgServer::shared().create_database(scratch.path().filename().string()) : "";
  auto first = core::db::open_store(store_config(backend, scratch, url), core::db::Access::create);
  first->migrate();
  auto second = core::db::open_store(store_config(backend, scratch, url), core::db::Access::read_write);
  return {std::move(first), std::move(second)};
}

std::unique_ptr<core::db::Store> sqlite_file_store(const std::filesystem::path& path, std::span<const core::db::Migration> migrations) {
  core::config::LoadOptions load;
  load.config_file = "/dev/null";
  load.dotenv_file = path.string() + ".no-env";
  load.overrides = {{"DB_PATH", path.string()}};
  auto store = core::db::open_store(core::config::load(load), core::db::Access::create);
  if (!migrations.empty()) store->migrate(migrations);
  return store;
}

core::db::NewTrade sample_trade(const std::string& wallet, const std::string& amount_wei, std::optional<core::SystemTime> at) {
  core::db::NewTrade t;
  t.wallet_address = wallet;
  t.token_in = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
  t.token_out = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
  t.amount_in = core::Wei::require(amount_wei, "amount_in");
  t.path = t.token_in + "," + t.token_out;
  t.created_at = at;
  return t;
}

std::string sql_ago(core::db::Backend backend, long long seconds) {
  if (backend == core::db::Backend::pg) return "now() - interval '" + std::to_string(seconds) + " seconds'";
  return "datetime('now', '-" + std::to_string(seconds) + " seconds')";
}

}  // namespace bscbot::test
