#include "core/db/store.hpp"

#include "core/config/config.hpp"
#include "core/db/pg/pg_store.hpp"
#include "core/db/pg_url.hpp"
#include "core/db/sqlite/sqlite_store.hpp"

namespace bscbot::core::db {

std::string_view to_string(Backend b) { return b == Backend::pg ? "pg" : "sqlite"; }

Backend configured_backend(const config::Config& cfg) { return cfg.text("DB_CLIENT") == "pg" ? Backend::pg : Backend::sqlite; }

std::string describe_database(const config::Config& cfg) {
  return configured_backend(cfg) == Backend::pg ? describe_pg_url(cfg.text("DATABASE_URL")) : cfg.db_path().string();
}

namespace {

pg::ConnectSettings pg_settings(const config::Config& cfg, std::string url, std::string password) {
  pg::ConnectSettings s;
  s.url = std::move(url);
  s.password = std::move(password);
  s.connect_timeout = std::chrono::milliseconds(cfg.integer("DB_CONNECT_TIMEOUT_MS"));
  s.statement_timeout = std::chrono::milliseconds(cfg.integer("DB_STATEMENT_TIMEOUT_MS"));
  s.lock_timeout = std::chrono::milliseconds(cfg.integer("DB_BUSY_TIMEOUT_MS"));
  s.application_name = "bscbot";
  return s;
}

}  // namespace

std::unique_ptr<Store> open_store(const config::Config& cfg, Access access, StoreOptions options) {
  if (configured_backend(cfg) == Backend::pg) {
    return pg::open_pg_store(pg_settings(cfg, cfg.text("DATABASE_URL"), cfg.text("DB_PASSWORD")), access, std::move(options));
  }
  return sqlite::open_sqlite_store(cfg.db_path(), access, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")), std::move(options));
}

std::unique_ptr<Store> open_store_at(const config::Config& cfg, const std::string& target, Access access) {
  if (is_pg_url(target)) return pg::open_pg_store(pg_settings(cfg, target, ""), access, {});
  return sqlite::open_sqlite_store(target, access, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")), {});
}

std::vector<std::string> create_sqlite_database(const config::Config& cfg) {
  return sqlite::create_sqlite_database(cfg.db_path(), static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
}

StoreOptions daemon_store_options(const config::Config& cfg, QueryObserver observer) {
  StoreOptions o;
  o.pool_min = static_cast<int>(cfg.integer("DB_POOL_MIN"));
  o.pool_max = static_cast<int>(cfg.integer("DB_POOL_MAX"));
  o.sqlite_cache_kib = static_cast<int>(cfg.integer("DB_CACHE_KB"));
  o.observer = std::move(observer);
  return o;
}

}  // namespace bscbot::core::db
