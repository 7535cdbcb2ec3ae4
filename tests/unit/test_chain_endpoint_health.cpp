#include <doctest/doctest.h>

#include <chrono>

#include "core/chain/endpoint_health.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const SystemTime k_start = SystemTime(seconds(1'700'000'000));

}  // namespace

TEST_CASE("chain: endpoints start equal and keep configured order") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://a", "http://b", "http://c"}, HealthPolicy{}, clock);
  CHECK(health.order() == std::vector<std::size_t>{0, 1, 2});
  const auto status = health.snapshot();
  REQUIRE(status.size() == 3);
  CHECK(status[0].score == EndpointHealth::k_max_score);
  CHECK(status[0].calls == 0);
  CHECK_FALSE(status[0].last_latency_ms.has_value());
}

TEST_CASE("chain: a failure moves an endpoint behind the healthy ones") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://a", "http://b", "http://c"}, HealthPolicy{}, clock);
  health.record_failure(0, "POST http://a: Connection refused", milliseconds(3));
  CHECK(health.order() == std::vector<std::size_t>{1, 2, 0});
  const auto status = health.snapshot();
  CHECK(status[0].score == doctest::Approx(70.0));
  CHECK(status[0].consecutive_failures == 1);
  CHECK(status[0].failures == 1);
  CHECK(status[0].calls == 1);
  CHECK(status[0].last_error == "POST http://a: Connection refused");
  CHECK(status[0].last_latency_ms == 3);

  // The less-failed endpoint ranks above the more-failed one.
  health.record_failure(1, "timeout", milliseconds(5000));
  health.record_failure(1, "timeout", milliseconds(5000));
  CHECK(health.order() == std::vector<std::size_t>{2, 0, 1});
  CHECK(health.snapshot()[1].consecutive_failures == 2);
}

TEST_CASE("chain: success raises the score and resets the failure streak") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://a"}, HealthPolicy{}, clock);
  health.record_failure(0, "x", milliseconds(1));
  health.record_failure(0, "x", milliseconds(1));
  health.record_success(0, milliseconds(42));
  const auto status = health.snapshot()[0];
  CHECK(status.score == doctest::Approx(50.0));
  CHECK(status.consecutive_failures == 0);
  CHECK(status.failures == 2);
  CHECK(status.calls == 3);
  CHECK(status.last_latency_ms == 42);
  CHECK(status.last_error == "x");  // kept for the operator
  // Scores never leave 0..100.
  for (int i = 0; i < 20; ++i) health.record_success(0, milliseconds(1));
  CHECK(health.snapshot()[0].score == doctest::Approx(100.0));
  for (int i = 0; i < 20; ++i) health.record_failure(0, "x", milliseconds(1));
  CHECK(health.snapshot()[0].score == doctest::Approx(0.0));
}

TEST_CASE("chain: a failed endpoint recovers with time and is preferred again") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://primary", "http://backup"}, HealthPolicy{}, clock);
  health.record_failure(0, "refused", milliseconds(1));
  health.record_success(1, milliseconds(1));
  CHECK(health.order() == std::vector<std::size_t>{1, 0});
  clock.advance(seconds(10));
  CHECK(health.snapshot()[0].score == doctest::Approx(80.0));
  CHECK(health.order() == std::vector<std::size_t>{1, 0});
  clock.advance(seconds(20));
  // Both at full health again: the configured primary goes first.
  CHECK(health.snapshot()[0].score == doctest::Approx(100.0));
  CHECK(health.order() == std::vector<std::size_t>{0, 1});
}

TEST_CASE("chain: endpoint snapshots hide URL passwords") {
  FixedClock clock(k_start);
  EndpointHealth health({"https://user:s3cret@node.example/rpc", "https://node.example:8545/"}, HealthPolicy{}, clock);
  const auto status = health.snapshot();
  CHECK(status[0].url == "https://user:****@node.example/rpc");
  CHECK(status[1].url == "https://node.example:8545/");
}
