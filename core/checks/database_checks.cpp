#include "core/checks/database_checks.hpp"

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>

#include "core/db/database.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::checks {

namespace {

CheckResult make(std::string name, const char* group) {
  return CheckResult{std::move(name), group, Status::unknown, "-", "", "", std::nullopt};
}

std::uintmax_t size_with_wal(const fs::path& db_path) {
  std::error_code ec;
  std::uintmax_t bytes = fs::file_size(db_path, ec);
  if (ec) bytes = 0;
  const auto wal = fs::file_size(db_path.string() + "-wal", ec);
  if (!ec) bytes += wal;
  return bytes;
}

}  // namespace

CheckResult check_integrity(const fs::path& db_path, Integrity depth, int busy_timeout_ms) {
  CheckResult r = make("database_integrity", "database");
  const char* pragma = depth == Integrity::full ? "integrity_check" : "quick_check";
  r.threshold = "ok";
  try {
    auto db = db::open_database(db_path, db::Access::read_only, busy_timeout_ms);
    const std::string result = db::check_integrity(*db, depth == Integrity::full);
    r.value = result == "ok" ? "ok" : "damaged";
    r.status = result == "ok" ? Status::ok : Status::crit;
    r.detail = fmt::format("PRAGMA {} of {}{}", pragma, db_path.string(), result == "ok" ? "" : ": " + result);
  } catch (const Error& e) {
    r.status = Status::crit;
    r.value = e.kind() == ErrorKind::not_found ? "missing" : "unreadable";
    r.detail = e.what();
  } catch (const SQLite::Exception& e) {
    r.status = Status::crit;
    r.value = "unreadable";
    r.detail = fmt::format("PRAGMA {} of {} failed: {}", pragma, db_path.string(), e.what());
  }
  return r;
}

CheckResult check_database_size(const fs::path& db_path, const std::optional<db::TimedValue>& day_ago, SystemTime now,
                                const DiskProbe& disk, Levels days_left) {
  CheckResult r = make("database_size", "database");
  r.threshold = fmt::format("disk full in: {}", falling_text(days_left, "days"));
  std::error_code ec;
  if (!fs::exists(db_path, ec)) {
    r.detail = db_path.string() + " does not exist";
    return r;
  }
  const double bytes = static_cast<double>(size_with_wal(db_path));
  r.number = bytes;
  r.value = bytes_text(bytes);
  r.status = Status::ok;
  if (!day_ago) {
    r.detail = "growth not known yet: bscbotd records the size every METRIC_SAMPLE_INTERVAL_S";
    return r;
  }
  SystemTime then;
  try {
    then = parse_sql_datetime(day_ago->sampled_at);
  } catch (const Error&) {
    r.detail = "growth not known: unreadable sample time " + day_ago->sampled_at;
    return r;
  }
  const double hours = std::chrono::duration<double>(now - then).count() / 3600.0;
  if (hours < 1.0) {
    r.detail = "growth not known yet: less than an hour of size samples";
    return r;
  }
  const double per_day = (bytes - day_ago->value) / hours * 24.0;
  r.detail = fmt::format("{} {} per day (over the last {} h)", per_day >= 0 ? "+" : "-", bytes_text(std::abs(per_day)),
                         number_text(hours, 1));
  if (per_day <= 0) return r;
  const auto usage = disk ? disk(db_path.parent_path().empty() ? fs::path(".") : db_path.parent_path()) : std::nullopt;
  if (!usage) return r;
  const double days = static_cast<double>(usage->available_bytes) / per_day;
  r.status = falling(days, days_left);
  r.detail += fmt::format("; {} free, full in {} days at this rate", bytes_text(static_cast<double>(usage->available_bytes)),
                          number_text(days, 1));
  return r;
}

CheckResult check_trade_volume(const db::TradeStats& day, const db::TradeStats& hour, double per_hour_warn) {
  CheckResult r = make("trades_24h", "trading");
  r.threshold = fmt::format("warn > {} in the last hour", number_text(per_hour_warn, 0));
  r.number = static_cast<double>(day.total);
  r.value = std::to_string(day.total);
  r.status = static_cast<double>(hour.total) > per_hour_warn ? Status::warn : Status::ok;
  r.detail = fmt::format("{} completed, {} failed, {} pending; {} in the last hour; {} wallet(s)", day.completed, day.failed,
                         day.pending, hour.total, day.distinct_wallets);
  return r;
}

CheckResult check_success_rate(const db::TradeStats& day, Levels percent) {
  CheckResult r = make("success_rate", "trading");
  r.threshold = falling_text(percent, "%");
  if (!day.success_rate) {
    r.status = Status::ok;
    r.detail = "no trades in the last 24 h";
    return r;
  }
  r.number = *day.success_rate;
  r.value = number_text(*day.success_rate, 1) + " %";
  r.status = falling(*day.success_rate, percent);
  r.detail = fmt::format("{} of {} trades of the last 24 h completed", day.completed, day.total);
  return r;
}

CheckResult check_failed_trades(const db::TradeStats& day) {
  CheckResult r = make("failed_trades", "trading");
  r.threshold = "informational";
  r.number = static_cast<double>(day.failed);
  r.value = std::to_string(day.failed);
  r.status = Status::ok;
  r.detail = "failed trades of the last 24 h (see success_rate for the verdict)";
  return r;
}

CheckResult check_gas_fee(const db::TradeStats& day) {
  CheckResult r = make("gas_fee_avg", "trading");
  r.threshold = "informational";
  r.status = Status::ok;
  if (!day.avg_gas_fee_wei) {
    r.detail = "no trade with a gas fee in the last 24 h";
    return r;
  }
  r.number = *day.avg_gas_fee_wei;
  r.value = fmt::format("{:.6g} BNB", *day.avg_gas_fee_wei / 1e18);
  r.detail = fmt::format("average gas fee of the last 24 h: {} gwei", number_text(*day.avg_gas_fee_wei / 1e9, 0));
  return r;
}

std::vector<CheckResult> database_checks(const config::Config& cfg, Integrity depth, const Clock& clock, const DiskProbe& disk) {
  const fs::path path = cfg.db_path();
  const int busy = static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS"));
  std::vector<CheckResult> out;
  out.push_back(check_integrity(path, depth, busy));
  const bool readable = out.back().status == Status::ok || out.back().value == "damaged";

  const SystemTime now = clock.now();
  const std::string day_ago = to_sql_datetime(now - std::chrono::hours(24));
  const std::string hour_ago = to_sql_datetime(now - std::chrono::hours(1));
  const Levels days_left{cfg.number("DB_FULL_WARN_DAYS"), cfg.number("DB_FULL_CRIT_DAYS")};
  const char* trading[] = {"trades_24h", "success_rate", "failed_trades", "gas_fee_avg"};
  auto unknown_trading = [&](const std::string& why) {
    for (const char* name : trading) {
      CheckResult r = make(name, "trading");
      r.detail = why;
      out.push_back(std::move(r));
    }
  };
  if (!readable) {
    out.push_back(check_database_size(path, std::nullopt, now, disk, days_left));
    unknown_trading("the database cannot be read: " + out.front().detail);
    return out;
  }
  try {
    auto db = db::open_database(path, db::Access::read_only, busy);
    std::optional<db::TimedValue> first;
    if (db::MetricSampleRepository::available(*db)) {
      first = db::MetricSampleRepository(*db).first_since(std::string(metrics::sample::db_file_bytes), day_ago);
    }
    out.push_back(check_database_size(path, first, now, disk, days_left));
    if (!db->tableExists("trades")) {
      unknown_trading("no trades table; run `bscbot db migrate`");
      return out;
    }
    db::TradeRepository trades(*db);
    const db::TradeStats day = trades.stats(day_ago);
    const db::TradeStats hour = trades.stats(hour_ago);
    out.push_back(check_trade_volume(day, hour, cfg.number("TRADES_PER_HOUR_WARN")));
    out.push_back(check_success_rate(day, Levels{cfg.number("SUCCESS_RATE_WARN_PCT"), cfg.number("SUCCESS_RATE_CRIT_PCT")}));
    out.push_back(check_failed_trades(day));
    out.push_back(check_gas_fee(day));
  } catch (const std::exception& e) {
    if (out.size() < 2) out.push_back(check_database_size(path, std::nullopt, now, disk, days_left));
    out.resize(2);
    unknown_trading(e.what());
  }
  return out;
}

}  // namespace bscbot::core::checks
