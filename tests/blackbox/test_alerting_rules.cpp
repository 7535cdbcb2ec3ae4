// The shipped monitoring: deploy/prometheus/alerts.yml passes promtool's syntax check and its
// own rule unit tests, carries the manual's alerts, and every metric it and the Grafana
// dashboard use is one a real bscbotd exports.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

const fs::path k_deploy = fs::path(BSCBOT_SOURCE_DIR) / "deploy";

// Metric names a PromQL expression reads: strings, label matchers, ranges, grouping clauses,
// numbers and function names taken out, what is left are series names.
std::set<std::string> metric_names(std::string expr) {
  static const std::regex strings(R"("([^"\\]|\\.)*")");
  static const std::regex matchers(R"(\{[^}]*\})");
  static const std::regex ranges(R"(\[[^\]]*\])");
  static const std::regex grouping(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))");
  static const std::regex numbers(R"(\b\d+(\.\d+)?([eE][+-]?\d+)?\b)");
  static const std::regex identifier(R"([A-Za-z_:][A-Za-z0-9_:]*)");
  static const std::set<std::string> keywords = {"and", "or", "unless", "bool", "offset"};
  for (const auto* re : {&strings, &matchers, &ranges, &grouping, &numbers}) expr = std::regex_replace(expr, *re, " ");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), identifier); it != std::sregex_iterator(); ++it) {
    const std::string name = it->str();
    std::size_t after = static_cast<std::size_t>(it->position() + it->length());
    while (after < expr.size() && expr[after] == ' ') ++after;
    if (after < expr.size() && expr[after] == '(') continue;  // a function or aggregation
    if (keywords.count(name)) continue;
    names.insert(name);
  }
  return names;
}

// Every series name in the daemon's exposition, with the histogram suffixes.
std::set<std::string> exported_names(const std::string& exposition) {
  std::set<std::string> names = {"up"};  // written by Prometheus for every target
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream fields(line.substr(7));
    std::string name, type;
    fields >> name >> type;
    names.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(name + suffix);
    }
  }
  return names;
}

}  // namespace

TEST_SUITE("alerting") {

TEST_CASE("alerting: promtool accepts the rules and the scrape config, and the rule unit tests pass") {
  auto r = test::run("promtool", {"check", "rules", "alerts.yml"}, k_deploy / "prometheus");
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(r.out.find("SUCCESS: 14 rules found") != std::string::npos);
  r = test::run("promtool", {"check", "config", "prometheus.yml"}, k_deploy / "prometheus");
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  r = test::run("promtool", {"test", "rules", "alerts_test.yml"}, k_deploy / "prometheus");
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(r.out.find("SUCCESS") != std::string::npos);
}

TEST_CASE("alerting: the manual's alerts with its severities, over metrics bscbotd exports, and the dashboard's four groups") {
  const YAML::Node rules = YAML::LoadFile((k_deploy / "prometheus/alerts.yml").string());
  std::map<std::string, std::string> severity;
  std::vector<std::string> exprs;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      severity[rule["alert"].as<std::string>()] = rule["labels"]["severity"].as<std::string>();
      exprs.push_back(rule["expr"].as<std::string>());
    }
  }
  const std::map<std::string, std::string> manual = {
      {"ServiceDown", "critical"},        {"HighErrorRate", "critical"},       {"DatabaseConnectionFailed", "critical"},
      {"HighMemoryUsage", "warning"},     {"SlowDatabaseQueries", "warning"}, {"WebSocketReconnectStorm", "warning"},
      {"DiskSpaceWarning", "info"},       {"LowCacheHitRate", "info"},        {"HighTradeVolume", "info"}};
  for (const auto& [alert, level] : manual) CHECK_MESSAGE(severity[alert] == level, alert);

  const json dashboard = json::parse(test::read_text(k_deploy / "grafana/bscbot-dashboard.json"));
  std::vector<std::string> rows;
  for (const auto& panel : dashboard["panels"]) {
    if (panel["type"] == "row") {
      rows.push_back(panel["title"]);
      continue;
    }
    REQUIRE_MESSAGE(!panel["targets"].empty(), panel["title"]);
    for (const auto& target : panel["targets"]) exprs.push_back(target["expr"]);
  }
  CHECK(rows == std::vector<std::string>{"System Overview", "Application Health", "Trading Monitoring", "Database Performance"});

  // A daemon with trades (so the 24 h trade gauges exist) answers with the names it exports.
  Scratch s("alerting-names");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  {
    SQLite::Database db((s / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, gas_fee) VALUES "
            "('0x1111111111111111111111111111111111111111', 'a', 'b', '1', 'completed', '1000')");
  }
  Daemon d(s.path());
  d.start();
  d.get("/api/health");
  // The CPU gauges appear with bscbotd's second reading of /proc, a second after the start.
  // The integrity gauges, once its first scheduled quick check is done.
  CHECK(test::eventually([&] {
    const std::string body = d.get("/api/metrics").body;
    return body.find("host_cpu_usage_ratio") != std::string::npos && body.find("bscbotd_db_integrity_ok") != std::string::npos;
  }));
  const auto exported = exported_names(d.get("/api/metrics").body);
  std::set<std::string> used;
  for (const auto& e : exprs) {
    for (const auto& name : metric_names(e)) used.insert(name);
  }
  CHECK(used.size() >= 20);
  // Exported only with CHAIN_ENABLED=true (a daemon without a chain is not "chain down"); the
  // trade suite's chain-down test reads it from such a daemon.
  const std::set<std::string> chain_only = {"bscbotd_chain_up"};
  for (const auto& name : used) {
    if (chain_only.count(name)) continue;
    CHECK_MESSAGE(exported.count(name) == 1, name << " is not exported by bscbotd");
  }
  CHECK(metric_names(R"(sum by (le) (rate(x_bucket{a="b"}[5m])) / 1e18 > 0.5 and y{z=~"1|2"})") ==
        std::set<std::string>{"x_bucket", "y"});
}

}  // TEST_SUITE
