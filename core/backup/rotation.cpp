#include "core/backup/rotation.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace bscbot::core::backup {

namespace {

SystemTime from_utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The Sunday that ends ISO week `week` of ISO year `year` (weeks start on Monday; week 1 holds
// the year's first Thursday, so January 4th is always in it).
SystemTime sunday_of_iso_week(int year, int week) {
  const SystemTime jan4 = from_utc(year, 1, 4);
  const int weekday = (to_utc_tm(jan4).tm_wday + 6) % 7;  // Monday 0 ... Sunday 6
  const SystemTime monday_week1 = jan4 - std::chrono::hours(24 * weekday);
  return monday_week1 + std::chrono::hours(24 * (7 * (week - 1) + 6));
}

}  // namespace

std::string_view to_string(Tier tier) {
  switch (tier) {
    case Tier::daily: return "daily";
    case Tier::weekly: return "weekly";
    case Tier::monthly: return "monthly";
  }
  return "daily";
}

std::optional<Tier> parse_tier(std::string_view text) {
  for (Tier t : k_tiers) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

std::chrono::hours Retention::of(Tier tier) const {
  switch (tier) {
    case Tier::daily: return daily;
    case Tier::weekly: return weekly;
    case Tier::monthly: return monthly;
  }
  return daily;
}

Retention retention_from(const config::Config& cfg) {
  Retention r;
  r.daily = std::chrono::hours(24 * cfg.integer("BACKUP_KEEP_DAILY_DAYS"));
  r.weekly = std::chrono::hours(24 * cfg.integer("BACKUP_KEEP_WEEKLY_DAYS"));
  r.monthly = std::chrono::hours(24 * cfg.integer("BACKUP_KEEP_MONTHLY_DAYS"));
  return r;
}

std::vector<Tier> tiers_for(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  std::vector<Tier> tiers = {Tier::daily};
  if (tm.tm_wday == 0) tiers.push_back(Tier::weekly);
  if (tm.tm_mday == 1) tiers.push_back(Tier::monthly);
  return tiers;
}

std::string backup_file_name(Tier tier, SystemTime t, Compression compression, BackupFormat format) {
  const std::tm tm = to_utc_tm(t);
  std::string name;
  switch (tier) {
    case Tier::daily:
      name = fmt::format("db_{:04}{:02}{:02}_{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec);
      break;
    case Tier::weekly: {
      char iso[16] = {};
      std::strftime(iso, sizeof iso, "%G_W%V", &tm);
      name = fmt::format("db_{}", iso);
      break;
    }
    case Tier::monthly: name = fmt::format("db_{:04}_{:02}", tm.tm_year + 1900, tm.tm_mon + 1); break;
  }
  // pg_dump's custom format is compressed by pg_dump itself.
  if (format == BackupFormat::pg_dump) return name + ".pgdump";
  return name + ".sqlite" + std::string(file_suffix(compression));
}

std::optional<SystemTime> time_from_name(std::string_view file_name) {
  const std::string name(file_name);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, week = 0;
  char tail = 0;
  int clash = 0;  // "_2" when two backups fell in one second
  if ((std::sscanf(name.c_str(), "db_%4d%2d%2d_%2d%2d%2d.%c", &year, &month, &day, &hour, &minute, &second, &tail) == 7 ||
       std::sscanf(name.c_str(), "db_%4d%2d%2d_%2d%2d%2d_%d.%c", &year, &month, &day, &hour, &minute, &second, &clash, &tail) == 8) &&
      month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 61) {
    return from_utc(year, month, day, hour, minute, second);
  }
  if (std::sscanf(name.c_str(), "db_%4d_W%2d.%c", &year, &week, &tail) == 3 && week >= 1 && week <= 53) {
    return sunday_of_iso_week(year, week);
  }
  if (std::sscanf(name.c_str(), "db_%4d_%2d.%c", &year, &month, &tail) == 3 && month >= 1 && month <= 12) {
    return from_utc(year, month, 1);
  }
  return std::nullopt;
}

}  // namespace bscbot::core::backup
