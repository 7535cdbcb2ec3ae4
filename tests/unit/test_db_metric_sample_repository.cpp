#include <doctest/doctest.h>

#include "core/db/database.hpp"
#include "core/db/metric_sample_repository.hpp"
#include "core/db/migrations.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

TEST_CASE("db: metric samples are recorded, summed per day, found by time and pruned") {
  Scratch s("metric-samples");
  auto db = db::open_database(s / "t.sqlite", db::Access::create);
  CHECK_FALSE(db::MetricSampleRepository::available(*db));
  db::migrate(*db, "t");
  REQUIRE(db::MetricSampleRepository::available(*db));
  db::MetricSampleRepository repo(*db);
  repo.record("2026-11-24 23:55:00", {{"requests", 10}, {"db_file_bytes", 1000}});
  repo.record("2026-11-25 00:00:00", {{"requests", 5}, {"db_file_bytes", 1500}});
  repo.record("2026-11-25 00:05:00", {{"requests", 7}, {"db_file_bytes", 1400}});
  const auto days = repo.daily("2026-11-24 00:00:00", "2026-11-26 00:00:00");
  REQUIRE(days.size() == 4);
  CHECK(days[0].day == "2026-11-24");
  CHECK(days[0].name == "db_file_bytes");
  CHECK(days[2].name == "db_file_bytes");
  CHECK(days[2].max == 1500);
  CHECK(days[3].sum == 12);
  CHECK(days[3].samples == 2);
  CHECK(repo.first_since("db_file_bytes", "2026-11-24 23:59:00")->value == 1500);
  CHECK(repo.latest("db_file_bytes")->sampled_at == "2026-11-25 00:05:00");
  CHECK_FALSE(repo.latest("nothing"));
  CHECK(repo.prune_older_than("2026-11-25 00:00:00") == 2);
  CHECK(repo.daily("2026-11-24 00:00:00", "2026-11-26 00:00:00").size() == 2);
}
