// The notifier's rules with a fixed clock and a recording sender: deduplication per
// NOTIFY_REPEAT_MIN, a worse level at once, flapping held back, grouping per destination,
// recoveries to whoever heard, escalation and acknowledgement, retries with backoff.
#include <doctest/doctest.h>

#include <deque>

#include "core/config/config.hpp"
#include "core/error.hpp"
#include "core/notify/notifier.hpp"
#include "core/notify/render.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::notify;
using bscbot::test::Scratch;

namespace {

struct Sent {
  Destination to;
  Message message;
};

class RecordingSender final : public Sender {
public:
  Attempt send(const Destination& to, const Message& message) override {
    std::lock_guard lock(m_mutex);
    sent.push_back({to, message});
    if (outcomes.empty()) return Attempt{true, 200, "", std::chrono::milliseconds(1), std::nullopt, false};
    Attempt a = outcomes.front();
    outcomes.pop_front();
    return a;
  }
  std::vector<Sent> sent;
  std::deque<Attempt> outcomes;

private:
  std::mutex m_mutex;
};

struct Fixture {
  Scratch s{"notifier"};
  config::Config cfg;
  FixedClock clock{parse_sql_datetime("2026-12-01 10:00:00")};
  RecordingSender sender;
  std::vector<std::chrono::milliseconds> waits;
  std::unique_ptr<Notifier> notifier;

  using Settings = std::map<std::string, std::string>;
  explicit Fixture(Settings overrides = {}) {
    s.write("bscbot.yaml",
            "contacts:\n"
            "  primary: {name: Alice, webhook: true, telegram: '1'}\n"
            "  secondary: {name: Bob, discord: true}\n"
            "  team: {slack: '#team'}\n");
    config::LoadOptions o;
    o.config_file = s / "bscbot.yaml";
    o.dotenv_file = "";
    o.overrides = {{"DATA_DIR", (s / "data").string()},
                   {"LOG_DIR", (s / "logs").string()},
                   {"NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/hook"},
                   {"NOTIFY_DISCORD_WEBHOOK_URL", "http://127.0.0.1:9/discord"},
                   {"NOTIFY_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/slack"},
                   {"NOTIFY_TELEGRAM_BOT_TOKEN", "t"},
                   {"NOTIFY_SOURCE", "unit"}};
    for (const auto& [k, v] : overrides) o.overrides[k] = v;
    cfg = config::load(o);
    notifier = std::make_unique<Notifier>(cfg, NotifyEdges{&clock, &sender, [this](std::chrono::milliseconds d) {
                                                             waits.push_back(d);
                                                             return true;
                                                           }});
  }

  Event firing(const std::string& key, Severity sev, const std::string& what = "problem") const {
    Event e;
    e.key = key;
    e.severity = sev;
    e.what = what;
    return e;
  }
  Event resolved(const std::string& key) const {
    Event e;
    e.key = key;
    e.state = EventState::resolved;
    e.what = key + " ok";
    return e;
  }
  void later(int seconds) { clock.advance(std::chrono::seconds(seconds)); }
  std::size_t count() const { return sender.sent.size(); }
};

}  // namespace

TEST_CASE("notifier: routes by level, groups one evaluation per destination, and holds repeats for NOTIFY_REPEAT_MIN") {
  Fixture f;
  // Two problems in one evaluation: primary gets one message with both, on each of its ways.
  auto r = f.notifier->report({f.firing("a", Severity::high), f.firing("b", Severity::high)});
  CHECK(r.sent.size() == 2);
  REQUIRE(f.count() == 2);  // primary's webhook and telegram
  for (const auto& s : f.sender.sent) {
    CHECK(s.message.items.size() == 2);
    CHECK(s.message.to == std::vector<std::string>{"primary (Alice)"});
  }
  CHECK(r.sent[0].id == "alert-1");
  CHECK(r.sent[1].id == "alert-2");
  f.later(59 * 60);
  r = f.notifier->report({f.firing("a", Severity::high)});
  CHECK(r.suppressed == std::vector<std::string>{"a"});
  CHECK(f.count() == 2);
  // Worse: at once, to the critical route (primary and secondary).
  r = f.notifier->report({f.firing("a", Severity::critical)});
  CHECK(r.sent.size() == 1);
  CHECK(f.count() == 5);
  // Better again: nothing new to say.
  f.later(60);
  CHECK(f.notifier->report({f.firing("a", Severity::high)}).sent.empty());
  // An hour after the last message: a reminder at the level it has now.
  f.later(60 * 60);
  r = f.notifier->report({f.firing("a", Severity::high)});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].kind == Kind::reminder);
}

TEST_CASE("notifier: a recovery goes to whoever heard; flapping within the window does not start a storm") {
  Fixture f;
  f.notifier->report({f.firing("a", Severity::critical)});
  CHECK(f.count() == 3);
  f.later(60);
  auto r = f.notifier->report({f.resolved("a"), f.resolved("never-fired")});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].kind == Kind::resolved);
  CHECK(f.count() == 6);  // primary (2 ways) and secondary
  CHECK(subject(f.sender.sent.back().message) == "[RESOLVED] RESOLVED: a ok (unit)");
  // Back within the hour: held back, since it was just sent.
  f.later(60);
  r = f.notifier->report({f.firing("a", Severity::critical)});
  CHECK(r.sent.empty());
  CHECK(r.suppressed.size() == 1);
  // Nor is its end: nobody heard of it coming back.
  f.later(60);
  CHECK(f.notifier->report({f.resolved("a")}).sent.empty());
  // After the window it is a new problem with a fresh start time.
  f.later(2 * 3600);
  r = f.notifier->report({f.firing("a", Severity::critical)});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].kind == Kind::alert);
  CHECK(to_sql_datetime(r.sent[0].since) == "2026-12-01 12:03:00");
}

TEST_CASE("notifier: critical and high escalate after NOTIFY_ESCALATE_AFTER_MIN unless acknowledged; notices never") {
  Fixture f;
  f.notifier->report({f.firing("a", Severity::critical), f.firing("b", Severity::high), f.firing("c", Severity::medium)});
  Event notice = f.firing("d", Severity::high, "restarted uncleanly");
  notice.notice = true;
  f.notifier->report({notice});
  f.notifier->acknowledge("alert-2", "alice");
  f.later(14 * 60);
  CHECK(f.notifier->escalate_due().sent.empty());
  f.later(60);
  const std::size_t before = f.count();
  auto r = f.notifier->escalate_due();
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].id == "alert-1");
  CHECK(r.sent[0].kind == Kind::escalation);
  REQUIRE(f.count() == before + 1);
  CHECK(f.sender.sent.back().to.channel == Channel::discord);  // NOTIFY_ESCALATE_TO=secondary
  CHECK(f.notifier->escalate_due().sent.empty());               // once
  // Acknowledging by key or ID; an unknown one says what is firing.
  CHECK(f.notifier->acknowledge("a", "bob").acked_by == "bob");
  CHECK_THROWS_WITH_AS(f.notifier->acknowledge("zzz", "x"), "no alert 'zzz'; firing: alert-1, alert-2, alert-3", Error);
  // The notice is not firing, so nothing to escalate or acknowledge later.
  for (const auto& a : f.notifier->alerts()) {
    if (a.key == "d") CHECK(!a.firing);
  }
}

TEST_CASE("notifier: retries with doubling backoff and Retry-After; a refusal ends at once; nobody reached means try again") {
  Fixture f(Fixture::Settings{{"NOTIFY_RETRIES", "3"}, {"NOTIFY_RETRY_BACKOFF_MS", "1000"}, {"NOTIFY_ROUTE_MEDIUM", "team"}});
  f.sender.outcomes = {Attempt{false, 500, "HTTP 500", {}, std::nullopt, false}, Attempt{false, 429, "HTTP 429", {}, std::chrono::seconds(5), false},
                       Attempt{false, 502, "HTTP 502", {}, std::nullopt, false}};
  auto r = f.notifier->report({f.firing("a", Severity::medium)});
  REQUIRE(r.deliveries.size() == 1);
  CHECK(r.deliveries[0].ok);
  CHECK(r.deliveries[0].attempts == 4);
  CHECK(f.waits == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1000), std::chrono::milliseconds(5000), std::chrono::milliseconds(4000)});
  const auto log = f.notifier->log().read(100);
  REQUIRE(log.size() == 4);
  CHECK(log[0]["outcome"] == "retrying");
  CHECK(log[3]["outcome"] == "sent");

  f.waits.clear();
  f.sender.outcomes = {Attempt{false, 400, "HTTP 400", {}, std::nullopt, true}};
  r = f.notifier->report({f.firing("b", Severity::medium)});
  CHECK(r.deliveries[0].attempts == 1);
  CHECK(f.waits.empty());
  CHECK(r.undelivered.size() == 1);
  CHECK(!r.all_delivered());
  // Undelivered, so not held back as a repeat.
  f.later(60);
  r = f.notifier->report({f.firing("b", Severity::medium)});
  CHECK(r.sent.size() == 1);

  // NOTIFY_ENABLED=false sends nothing.
  Fixture off(Fixture::Settings{{"NOTIFY_ENABLED", "false"}});
  CHECK(off.notifier->report({off.firing("a", Severity::critical)}).sent.empty());
  CHECK(off.count() == 0);
}

TEST_CASE("notifier: routes name contacts and channels that cannot be used") {
  Fixture f(Fixture::Settings{{"NOTIFY_ROUTE_LOW", "vendors"}});
  const auto r = f.notifier->report({f.firing("a", Severity::low)});
  CHECK(r.sent.empty());
  CHECK(r.undelivered.size() == 1);
  CHECK(r.problems == std::vector<std::string>{"no contact 'vendors' in bscbot.yaml"});
  const auto routing = route(f.cfg, {"primary"});
  CHECK(routing.destinations.size() == 2);
}
