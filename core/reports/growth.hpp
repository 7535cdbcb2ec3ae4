#pragma once
// The manual's monthly "data growth trend" (`du -h data/trading-bot.sqlite` day after day),
// from the database sizes bscbotd samples every METRIC_SAMPLE_INTERVAL_S: one row per UTC day
// that has samples, its size, the change from the day before, and the average daily growth.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/metric_store.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::reports {

struct GrowthDay {
  std::string day;                   // "YYYY-MM-DD", UTC
  double bytes = 0;                  // the largest size sampled that day
  std::optional<double> change;      // from the previous day with samples
};

struct GrowthTrend {
  std::vector<GrowthDay> days;       // oldest first
  std::optional<double> per_day;     // (last - first) / days between them; needs two days
};

// The last `days` UTC days up to `now` (today included).
GrowthTrend size_trend(db::MetricStore& samples, SystemTime now, int days);

// Days until `free_bytes` (free on the database's filesystem) are used up at the trend's average
// growth; nullopt without a growth figure, when the database is not growing, or when the free
// space is not known (a server's database).
std::optional<double> days_to_full(const GrowthTrend& trend, std::optional<std::uintmax_t> free_bytes);

}  // namespace bscbot::core::reports
