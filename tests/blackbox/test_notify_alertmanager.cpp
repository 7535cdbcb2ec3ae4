// The shipped Alertmanager routing (deploy/alertmanager/alertmanager.yml) passes amtool and sends
// each severity of the shipped rules to its receiver; and end to end, with real programs on
// loopback: a real prometheus scrapes a real bscbotd, the watched daemon is killed, the shipped
// ServiceDown rule fires, a real alertmanager delivers it into a second bscbotd's receiver, and
// that bscbotd sends it on to a person (here an HTTP sink) and logs the delivery. The test's
// own copies of the configs only shorten the intervals (ServiceDown's `for`, scrape, group
// waits) so it runs in seconds.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/net/http_client.hpp"
#include "tests/blackbox/notify_fixture.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using namespace bscbot::test::notify;
using bscbot::test::Background;
using bscbot::test::Daemon;
using bscbot::test::HttpSink;
using bscbot::test::Scratch;

namespace {

const fs::path k_deploy = fs::path(BSCBOT_SOURCE_DIR) / "deploy";

void write_yaml(const fs::path& file, const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  std::ofstream(file) << out.c_str() << "\n";
}

}  // namespace

TEST_SUITE("notify") {

TEST_CASE("notify: amtool accepts the shipped Alertmanager config and routes every severity of the shipped rules to its receiver") {
  auto r = test::run("amtool", {"check-config", "alertmanager.yml"}, k_deploy / "alertmanager");
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(r.out.find("SUCCESS") != std::string::npos);
  std::set<std::string> severities;
  for (const auto& group : YAML::LoadFile((k_deploy / "prometheus/alerts.yml").string())["groups"]) {
    for (const auto& rule : group["rules"]) severities.insert(rule["labels"]["severity"].as<std::string>());
  }
  CHECK(severities == std::set<std::string>{"critical", "warning", "info"});
  for (const auto& s : severities) {
    r = test::run("amtool", {"config", "routes", "test", "--config.file=alertmanager.yml", "severity=" + s, "alertname=ServiceDown"},
                  k_deploy / "alertmanager");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("bscbotd-" + s) != std::string::npos);
  }
  // Every receiver is bscbotd's webhook receiver, with the bearer token from a file.
  for (const auto& receiver : YAML::LoadFile((k_deploy / "alertmanager/alertmanager.yml").string())["receivers"]) {
    const auto hook = receiver["webhook_configs"][0];
    CHECK(hook["url"].as<std::string>() == "http://127.0.0.1:10001/api/v1/alerts");
    CHECK(hook["send_resolved"].as<bool>());
    CHECK(hook["http_config"]["authorization"]["type"].as<std::string>() == "Bearer");
  }
}

TEST_CASE("notify: a killed bscbotd -> prometheus -> alertmanager -> a second bscbotd's receiver -> a person") {
  Scratch s("notify-alertmanager");
  HttpSink sink;

  // The daemon under watch, and the watcher that receives the alerts.
  fs::create_directories(s / "watched");
  REQUIRE(test::bscbot({"init", "-q"}, s / "watched").exit_code == 0);
  Daemon watched(s / "watched");
  watched.start();
  fs::create_directories(s / "receiver");
  REQUIRE(test::bscbot({"init", "-q"}, s / "receiver").exit_code == 0);
  s.write("receiver/bscbot.yaml", test::read_text(s / "receiver/bscbot.yaml") + "contacts:\n  primary:\n    name: Alice\n    webhook: true\n"
                                                                               "  secondary:\n    name: Bob\n    webhook: true\n");
  const std::string token = "alertmanager-token-42";
  const Env receiver_env = with(channels(sink), {{"NOTIFY_ALERTS_TOKEN", token}});
  Daemon receiver(s / "receiver", receiver_env);
  receiver.start();

  // Alertmanager: the shipped routes, pointed at the receiver, with seconds instead of minutes.
  s.write("am/token", token);
  YAML::Node am = YAML::LoadFile((k_deploy / "alertmanager/alertmanager.yml").string());
  am["route"]["group_wait"] = "1s";
  for (auto route : am["route"]["routes"]) {
    route["group_wait"] = "1s";
    route["group_interval"] = "1s";
  }
  for (auto receiver_node : am["receivers"]) {
    for (auto hook : receiver_node["webhook_configs"]) {
      hook["url"] = receiver.url("/api/v1/alerts");
      hook["http_config"]["authorization"]["credentials_file"] = (s / "am/token").string();
    }
  }
  write_yaml(s / "am/alertmanager.yml", am);
  const int am_port = test::free_port();
  Background alertmanager("prometheus-alertmanager",
                          {"--config.file=" + (s / "am/alertmanager.yml").string(), "--storage.path=" + (s / "am/data").string(),
                           "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
                          s.path(), s / "am/alertmanager.log");

  // Prometheus: the shipped rules with ServiceDown's `for` shortened, scraping every second.
  YAML::Node rules = YAML::LoadFile((k_deploy / "prometheus/alerts.yml").string());
  for (auto group : rules["groups"]) {
    for (auto rule : group["rules"]) {
      if (rule["alert"].as<std::string>() == "ServiceDown") rule["for"] = "2s";
    }
  }
  fs::create_directories(s / "prom");
  write_yaml(s / "prom/alerts.yml", rules);
  YAML::Node prom = YAML::LoadFile((k_deploy / "prometheus/prometheus.yml").string());
  prom["global"]["scrape_interval"] = "1s";
  prom["global"]["evaluation_interval"] = "1s";
  prom["scrape_configs"][0]["scrape_timeout"] = "500ms";
  prom["scrape_configs"][0]["static_configs"][0]["targets"][0] = "127.0.0.1:" + std::to_string(watched.port());
  prom["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0] = "127.0.0.1:" + std::to_string(am_port);
  write_yaml(s / "prom/prometheus.yml", prom);
  const int prom_port = test::free_port();
  Background prometheus("prometheus",
                        {"--config.file=" + (s / "prom/prometheus.yml").string(), "--storage.tsdb.path=" + (s / "prom/data").string(),
                         "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                        s.path(), s / "prom/prometheus.log");

  // Prometheus sees the watched daemon up before it goes.
  const std::string up_query = "http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/query?query=up";
  const bool up = test::eventually(
      [&] {
        try {
          const auto r = core::net::get(up_query, std::chrono::milliseconds(1000));
          const auto doc = json::parse(r.body);
          return r.status == 200 && !doc["data"]["result"].empty() && doc["data"]["result"][0]["value"][1] == "1";
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(30));
  REQUIRE_MESSAGE(up, prometheus.output());
  CHECK(webhook_items(sink, "prometheus.ServiceDown.127.0.0.1:" + std::to_string(watched.port())).empty());

  watched.kill_now();
  const std::string key = "prometheus.ServiceDown.127.0.0.1:" + std::to_string(watched.port());
  const bool delivered = test::eventually([&] { return !webhook_items(sink, key).empty(); }, std::chrono::seconds(45));
  REQUIRE_MESSAGE(delivered, "receiver:\n" << receiver.output() << "\nalertmanager:\n" << alertmanager.output());
  const auto item = webhook_items(sink, key).front();
  CHECK(item["severity"] == "critical");
  CHECK(item["kind"] == "alert");
  CHECK(item["what"] == fmt::format("ServiceDown: bscbotd on 127.0.0.1:{} does not answer /api/metrics", watched.port()));
  CHECK(item["source"] == "Prometheus via Alertmanager (receiver bscbotd-critical)");
  CHECK(item["next"].get<std::string>().find("bscbot daemon status") != std::string::npos);
  const auto body = json::parse(sink.requests_to("/hook").back().body);
  CHECK(body["to"] == json::array({"primary (Alice)", "secondary (Bob)"}));
  // The receiver logged the delivery like any of its own (just after the sink saw it).
  CHECK(test::eventually([&] {
    const auto r = test::bscbot({"--json", "notify", "log"}, s / "receiver", receiver_env);
    const json doc = json::parse(r.out);
    for (const auto& rec : doc["records"]) {
      if (rec["keys"][0] == key && rec["outcome"] == "sent") return true;
    }
    return false;
  }));
  CHECK(test::eventually([&] {
    return test::read_text(s / "receiver/logs/api-server.log").find("Alertmanager: 1 alert(s) from receiver bscbotd-critical") != std::string::npos;
  }));
}

}  // TEST_SUITE
