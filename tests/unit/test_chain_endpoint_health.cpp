#include <doctest/doctest.h>

#include <chrono>

#include "core/chain/endpoint_health.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const SystemTime k_start = SystemTime(seconds(1'700'000'000));

// Every endpoint in the order a call would try them: eligible ones, then open ones.
std::vector<std::size_t> tried(const EndpointHealth& health) {
  const EndpointOrder o = health.order();
  std::vector<std::size_t> all = o.eligible;
  all.insert(all.end(), o.open.begin(), o.open.end());
  return all;
}

}  // namespace

TEST_CASE("chain: endpoints start equal and keep configured order") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://a", "http://b", "http://c"}, HealthPolicy{}, clock);
  CHECK(tried(health) == std::vector<std::size_t>{0, 1, 2});
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
  CHECK(tried(health) == std::vector<std::size_t>{1, 2, 0});
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
  CHECK(tried(health) == std::vector<std::size_t>{2, 0, 1});
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
  CHECK(tried(health) == std::vector<std::size_t>{1, 0});
  clock.advance(seconds(10));
  CHECK(health.snapshot()[0].score == doctest::Approx(80.0));
  CHECK(tried(health) == std::vector<std::size_t>{1, 0});
  clock.advance(seconds(20));
  // Both at full health again: the configured primary goes first.
  CHECK(health.snapshot()[0].score == doctest::Approx(100.0));
  CHECK(tried(health) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("chain: endpoint snapshots hide URL passwords") {
  FixedClock clock(k_start);
  EndpointHealth health({"https://user:s3cret@node.example/rpc", "https://node.example:8545/"}, HealthPolicy{}, clock);
  const auto status = health.snapshot();
  CHECK(status[0].url == "https://user:****@node.example/rpc");
  CHECK(status[1].url == "https://node.example:8545/");
}

TEST_CASE("chain: a failure opens the circuit for a cool-off that doubles with each failure in a row") {
  FixedClock clock(k_start);
  HealthPolicy policy;
  policy.cool_off_base = milliseconds(1000);
  policy.cool_off_max = milliseconds(8000);
  EndpointHealth health({"http://hung", "http://ok"}, policy, clock);
  health.record_failure(0, "POST http://hung: Operation timed out", milliseconds(5000), FailureKind::timeout);
  auto order = health.order();
  CHECK(order.eligible == std::vector<std::size_t>{1});
  CHECK(order.open == std::vector<std::size_t>{0});
  auto s = health.snapshot()[0];
  CHECK(s.circuit_open);
  CHECK(s.cool_off_ms == 1000);
  CHECK(s.open_for_ms == 1000);
  CHECK(s.timeouts == 1);
  CHECK(s.state() == "open");
  CHECK(s.last_failure == "timeout");

  // Half-open after the cool-off: eligible again, but behind the healthy one by its score.
  clock.advance(seconds(1));
  order = health.order();
  CHECK(order.eligible == std::vector<std::size_t>{1, 0});
  CHECK(health.snapshot()[0].state() == "degraded");
  // It fails again: twice as long, then four times, and never more than the cap.
  health.record_failure(0, "timeout", milliseconds(5000), FailureKind::timeout);
  CHECK(health.snapshot()[0].cool_off_ms == 2000);
  clock.advance(seconds(2));
  health.record_failure(0, "timeout", milliseconds(5000), FailureKind::timeout);
  CHECK(health.snapshot()[0].cool_off_ms == 4000);
  for (int i = 0; i < 10; ++i) health.record_failure(0, "timeout", milliseconds(5000), FailureKind::timeout);
  CHECK(health.snapshot()[0].cool_off_ms == 8000);
  // Time alone does not forget the streak: long after its score recovered, one more failure
  // still costs the longest cool-off.
  clock.advance(seconds(600));
  CHECK(health.snapshot()[0].score == doctest::Approx(100.0));
  CHECK_FALSE(health.snapshot()[0].circuit_open);
  health.record_failure(0, "timeout", milliseconds(5000), FailureKind::timeout);
  CHECK(health.snapshot()[0].cool_off_ms == 8000);
  // An answer closes the circuit and ends the streak.
  clock.advance(seconds(8));
  health.record_success(0, milliseconds(3));
  s = health.snapshot()[0];
  CHECK_FALSE(s.circuit_open);
  CHECK(s.cool_off_ms == 0);
  CHECK(s.state() == "ok");
  health.record_failure(0, "refused", milliseconds(1));
  CHECK(health.snapshot()[0].cool_off_ms == 1000);
}

TEST_CASE("chain: open endpoints are listed soonest-to-close first; a rate limit shows as such") {
  FixedClock clock(k_start);
  EndpointHealth health({"http://a", "http://b", "http://c"}, HealthPolicy{}, clock);
  health.record_failure(0, "x", milliseconds(1));
  health.record_failure(0, "x", milliseconds(1));  // 2 s
  health.record_failure(1, "HTTP 429", milliseconds(1), FailureKind::rate_limited);  // 1 s
  const auto order = health.order();
  CHECK(order.eligible == std::vector<std::size_t>{2});
  CHECK(order.open == std::vector<std::size_t>{1, 0});
  CHECK(health.snapshot()[1].state() == "rate_limited");
  CHECK(health.snapshot()[1].rate_limited == 1);
  CHECK_FALSE(health.last_answer().has_value());
  health.record_success(2, milliseconds(1));
  CHECK(health.last_answer() == k_start);
}
