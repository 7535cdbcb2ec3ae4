#include "core/checks/database_checks.hpp"

#include <fmt/format.h>

#include "core/config/mask.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::checks {

namespace {

CheckResult make(std::string name, const char* group) {
  return CheckResult{std::move(name), group, Status::unknown, "-", "", "", std::nullopt};
}

}  // namespace

CheckResult check_integrity(db::Store& store, Integrity depth, const std::optional<IntegrityVerdict>& published, const Clock& clock) {
  CheckResult r = make("database_integrity", "database");
  const auto check_depth = depth == Integrity::full ? db::CheckDepth::full : db::CheckDepth::quick;
  r.threshold = "ok";
  const auto judge = [&](const IntegrityVerdict& v, const std::string& by) {
    const bool ok = v.result == "ok";
    r.value = ok ? "ok" : "damaged";
    r.status = ok ? Status::ok : Status::crit;
    r.detail = fmt::format("{} of {}{}{}", v.method, store.location(), by, ok ? "" : ": " + v.result);
  };
  // Only a verdict on this very database (bscbotd on PORT might be another deployment's).
  if (published && depth == Integrity::quick && published->location == config::mask_url(store.location())) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(clock.now() - published->checked_at);
    judge(*published, fmt::format(" by bscbotd {} ago (took {})", format_duration(age), format_duration(published->took)));
    return r;
  }
  try {
    judge(run_integrity_check(store, check_depth, clock), "");
  } catch (const Error& e) {
    r.status = Status::crit;
    r.value = e.kind() == ErrorKind::unavailable ? "unreachable" : "unreadable";
    r.detail = fmt::format("{} of {} failed: {}", integrity_method(store.backend(), check_depth), store.location(), e.what());
  }
  return r;
}

CheckResult unopenable(const std::string& why, bool missing) {
  CheckResult r = make("database_integrity", "database");
  r.threshold = "ok";
  r.status = Status::crit;
  r.value = missing ? "missing" : "unreadable";
  r.detail = why;
  return r;
}

CheckResult check_database_size(std::optional<std::uintmax_t> size, const std::string& where, const std::optional<db::TimedValue>& day_ago,
                                SystemTime now, std::optional<DiskUsage> usage, Levels days_left) {
  CheckResult r = make("database_size", "database");
  r.threshold = fmt::format("disk full in: {}", falling_text(days_left, "days"));
  if (!size) {
    r.detail = "the size of " + where + " is not known";
    return r;
  }
  const double bytes = static_cast<double>(*size);
  r.number = bytes;
  r.value = bytes_text(bytes);
  r.status = Status::ok;
  if (!day_ago) {
    r.detail = "growth not known yet: bscbotd records the size every METRIC_SAMPLE_INTERVAL_S";
    return r;
  }
  const double hours = std::chrono::duration<double>(now - day_ago->sampled_at).count() / 3600.0;
  if (hours < 1.0) {
    r.detail = "growth not known yet: less than an hour of size samples";
    return r;
  }
  const double per_day = (bytes - day_ago->value) / hours * 24.0;
  r.detail = fmt::format("{} {} per day (over the last {} h)", per_day >= 0 ? "+" : "-", bytes_text(std::abs(per_day)),
                         number_text(hours, 1));
  if (per_day <= 0) return r;
  if (!usage) {
    r.detail += "; the free space of the database server's disk is not visible from here";
    return r;
  }
  const double days = static_cast<double>(usage->available_bytes) / per_day;
  r.status = falling(days, days_left);
  r.detail += fmt::format("; {} free, full in {} days at this rate", bytes_text(static_cast<double>(usage->available_bytes)),
                          number_text(days, 1));
  return r;
}

CheckResult check_replication(const db::ServerFacts& facts, Levels seconds) {
  CheckResult r = make("replication_lag", "database");
  r.threshold = rising_text(seconds, "s");
  auto judge = [&](double lag, const std::string& what) {
    r.number = lag;
    r.value = number_text(lag, 1) + " s";
    r.status = rising(lag, seconds);
    r.detail = what;
  };
  if (facts.standby) {
    if (!facts.replay_lag_s) {
      r.detail = "connected to a standby that has not replayed anything yet";
      return r;
    }
    judge(*facts.replay_lag_s, "connected to a standby (read-only): it is this far behind its primary");
    return r;
  }
  if (facts.standbys.empty()) {
    r.status = Status::ok;
    r.value = "-";
    r.detail = "a primary with no standby replicating from it";
    return r;
  }
  std::optional<double> worst;
  std::string names;
  for (const auto& s : facts.standbys) {
    names += fmt::format("{}{} ({}, {})", names.empty() ? "" : ", ", s.name.empty() ? s.address : s.name, s.state,
                         s.replay_lag_s ? number_text(*s.replay_lag_s, 1) + " s" : "lag not visible");
    if (s.replay_lag_s) worst = std::max(worst.value_or(0), *s.replay_lag_s);
  }
  if (!worst) {
    r.detail = fmt::format("{} standby(s): {}; grant pg_monitor to {} to see their lag", facts.standbys.size(), names, facts.user);
    return r;
  }
  judge(*worst, fmt::format("{} standby(s): {}", facts.standbys.size(), names));
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

CheckResult check_writable(const config::Config& cfg, const DiskProbe& disk) {
  CheckResult r = make("database_writable", "database");
  r.threshold = "ok";
  config::Config quick = cfg;
  quick.set("DB_BUSY_TIMEOUT_MS", std::to_string(std::min<std::int64_t>(cfg.integer("DB_BUSY_TIMEOUT_MS"), 1000)),
            config::Source{config::Source::Kind::command_line, {}});
  try {
    auto store = db::open_store(quick, db::Access::read_write);
    db::WriteProbe w = store->probe_writable();
    const auto folder = store->local_folder();
    if (folder && disk) {
      if (const auto usage = disk(*folder)) w.free_bytes = usage->available_bytes;
    }
    w = with_margin(std::move(w), folder, free_space_margin(cfg));
    r.value = db::to_string(w.state);
    r.status = w.state == db::DbState::ok ? Status::ok : Status::crit;
    r.detail = w.state == db::DbState::ok ? fmt::format("{} takes writes", store->location()) : w.error;
  } catch (const Error& e) {
    r.status = Status::crit;
    r.value = e.kind() == ErrorKind::not_found ? "missing" : "error";
    r.detail = e.what();
  }
  return r;
}

namespace {

std::vector<CheckResult> readable_checks(const config::Config& cfg, Integrity depth, const Clock& clock, const DiskProbe& disk,
                                        const std::optional<IntegrityVerdict>& published) {
  std::vector<CheckResult> out;
  const SystemTime now = clock.now();
  const Levels days_left{cfg.number("DB_FULL_WARN_DAYS"), cfg.number("DB_FULL_CRIT_DAYS")};
  const char* trading[] = {"trades_24h", "success_rate", "failed_trades", "gas_fee_avg"};
  auto unknown_trading = [&](const std::string& why) {
    for (const char* name : trading) {
      CheckResult r = make(name, "trading");
      r.detail = why;
      out.push_back(std::move(r));
    }
  };
  std::unique_ptr<db::Store> store;
  try {
    store = db::open_store(cfg, db::Access::read_only);
  } catch (const Error& e) {
    out.push_back(unopenable(e.what(), e.kind() == ErrorKind::not_found));
    out.push_back(check_database_size(std::nullopt, "the database", std::nullopt, now, std::nullopt, days_left));
    unknown_trading(std::string("the database cannot be read: ") + e.what());
    return out;
  }
  out.push_back(check_integrity(*store, depth, published, clock));
  const bool readable = out.back().status == Status::ok || out.back().value == "damaged";
  std::optional<std::uintmax_t> size;
  std::optional<DiskUsage> free;
  try {
    size = store->size_bytes();
    if (const auto folder = store->local_folder(); folder && disk) free = disk(*folder);
  } catch (const Error&) {
    // Unknown size: the check says so.
  }
  if (!readable) {
    out.push_back(check_database_size(size, store->location(), std::nullopt, now, free, days_left));
    unknown_trading("the database cannot be read: " + out.front().detail);
    return out;
  }
  try {
    std::optional<db::TimedValue> first;
    if (store->samples().available()) first = store->samples().first_since(std::string(metrics::sample::db_file_bytes), now - std::chrono::hours(24));
    out.push_back(check_database_size(size, store->location(), first, now, free, days_left));
    if (const auto facts = store->server_facts()) {
      out.push_back(check_replication(*facts, Levels{cfg.number("DB_REPLICATION_LAG_WARN_S"), cfg.number("DB_REPLICATION_LAG_CRIT_S")}));
    }
    const db::TradeStats day = store->trades().stats(now - std::chrono::hours(24));
    const db::TradeStats hour = store->trades().stats(now - std::chrono::hours(1));
    out.push_back(check_trade_volume(day, hour, cfg.number("TRADES_PER_HOUR_WARN")));
    out.push_back(check_success_rate(day, Levels{cfg.number("SUCCESS_RATE_WARN_PCT"), cfg.number("SUCCESS_RATE_CRIT_PCT")}));
    out.push_back(check_failed_trades(day));
    out.push_back(check_gas_fee(day));
  } catch (const std::exception& e) {
    if (out.size() < 2) out.push_back(check_database_size(size, store->location(), std::nullopt, now, free, days_left));
    out.resize(out.size() > 2 && out[2].name == "replication_lag" ? 3 : 2);
    const std::string why = e.what();
    unknown_trading(why.find("no such table") != std::string::npos || why.find("does not exist") != std::string::npos
                        ? "no trades table; run `bscbot db migrate`"
                        : why);
  }
  return out;
}

}  // namespace

std::vector<CheckResult> database_checks(const config::Config& cfg, Integrity depth, const Clock& clock, const DiskProbe& disk,
                                         const std::optional<IntegrityVerdict>& published) {
  std::vector<CheckResult> out = readable_checks(cfg, depth, clock, disk, published);
  out.insert(out.begin() + 1, check_writable(cfg, disk));
  return out;
}

}  // namespace bscbot::core::checks
