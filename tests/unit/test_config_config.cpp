#include <doctest/doctest.h>

#include <filesystem>

#include "core/config/config.hpp"
#include "core/config/dotenv.hpp"
#include "core/config/example.hpp"
#include "core/config/settings.hpp"

#include <sstream>
#include "core/error.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using bscbot::core::Error;
using bscbot::core::config::Config;
using bscbot::core::config::LoadOptions;
using bscbot::core::config::Source;
using bscbot::test::Scratch;

namespace {

LoadOptions options_in(const Scratch& s) {
  LoadOptions o;
  o.config_file = s / "bscbot.yaml";
  o.dotenv_file = s / ".env";
  return o;
}

std::string load_error(const LoadOptions& o) {
  try {
    bscbot::core::config::load(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("config: defaults are the manual's numbers") {
  LoadOptions o;
  o.dotenv_file.clear();
  const Config cfg = bscbot::core::config::load(o);
  CHECK(cfg.integer("PORT") == 10001);
  CHECK(cfg.text("DB_CLIENT") == "sqlite");
  CHECK(cfg.db_path() == fs::path("data/trading-bot.sqlite"));
  CHECK(cfg.integer("DEFAULT_GAS_LIMIT") == 500000);
  CHECK(cfg.number("DEFAULT_SLIPPAGE") == doctest::Approx(0.5));
  CHECK(cfg.integer("PRICE_CACHE_TTL_MS") == 30000);
  CHECK(cfg.integer("PRICE_CACHE_MAX_REQUESTS") == 40);
  CHECK(cfg.integer("HEARTBEAT_INTERVAL_MS") == 30000);
  CHECK(cfg.integer("MAX_CONNECTIONS") == 100);
  CHECK(cfg.integer("RESPONSE_TIME_WARN_MS") == 200);
  CHECK(cfg.integer("RESPONSE_TIME_CRIT_MS") == 500);
  CHECK(cfg.number("SUCCESS_RATE_WARN_PCT") == 95);
  CHECK(cfg.number("SUCCESS_RATE_CRIT_PCT") == 90);
  CHECK(cfg.integer("MEMORY_CRIT_MB") == 1024);
  CHECK(cfg.integer("WS_CONNECTIONS_CRIT") == 500);
  CHECK(cfg.number("CACHE_HIT_RATE_WARN_PCT") == 70);
  CHECK(cfg.integer("BACKUP_KEEP_DAILY_DAYS") == 30);
  CHECK(cfg.integer("BACKUP_KEEP_WEEKLY_DAYS") == 90);
  CHECK(cfg.integer("BACKUP_KEEP_MONTHLY_DAYS") == 365);
  CHECK(cfg.integer("RETENTION_DAYS") == 90);
  CHECK(cfg.integer("RECOVERY_TARGET_MINUTES") == 30);
  CHECK(cfg.source("PORT").kind == Source::Kind::defaults);
}

TEST_CASE("config: each layer overrides the one below and remembers its source") {
  Scratch s("config-precedence");
  s.write("bscbot.yaml", "port: 11000\nlog_level: debug\ndefault_slippage: 1.0\nmax_connections: 50\n");
  s.write(".env", "PORT=12000\nLOG_LEVEL=warn\nJWT_SECRET=\"quoted # not a comment\"\n");
  LoadOptions o = options_in(s);
  o.environment = {{"PORT", "13000"}, {"PATH", "/usr/bin"}, {"UNRELATED", "x"}};
  o.overrides = {{"DATA_DIR", (s / "d").string()}};
  const Config cfg = bscbot::core::config::load(o);
  CHECK(cfg.integer("PORT") == 13000);
  CHECK(cfg.source("PORT").kind == Source::Kind::environment);
  CHECK(cfg.text("LOG_LEVEL") == "warn");
  CHECK(cfg.source("LOG_LEVEL").describe() == (s / ".env").string());
  CHECK(cfg.number("DEFAULT_SLIPPAGE") == doctest::Approx(1.0));
  CHECK(cfg.source("DEFAULT_SLIPPAGE").describe() == (s / "bscbot.yaml").string());
  CHECK(cfg.integer("MAX_CONNECTIONS") == 50);
  CHECK(cfg.text("JWT_SECRET") == "quoted # not a comment");
  CHECK(cfg.db_path() == s / "d" / "trading-bot.sqlite");
  CHECK(cfg.source("DATA_DIR").kind == Source::Kind::command_line);
  CHECK(cfg.files().size() == 2);
}

TEST_CASE("config: BSCBOT_CONFIG names the file when --config is absent") {
  Scratch s("config-env-file");
  s.write("other.yaml", "port: 15000\n");
  LoadOptions o;
  o.dotenv_file.clear();
  o.environment = {{"BSCBOT_CONFIG", (s / "other.yaml").string()}};
  CHECK(bscbot::core::config::load(o).integer("PORT") == 15000);
}

TEST_CASE("config: bad values are rejected naming the key, the value and the source") {
  Scratch s("config-reject");
  LoadOptions o = options_in(s);

  s.write("bscbot.yaml", "port: 70000\n");
  std::string e = load_error(o);
  CHECK(e.find("PORT") != std::string::npos);
  CHECK(e.find("70000") != std::string::npos);
  CHECK(e.find("bscbot.yaml:1:1") != std::string::npos);

  s.write("bscbot.yaml", "default_slippage: -0.5\n");
  e = load_error(o);
  CHECK(e.find("DEFAULT_SLIPPAGE") != std::string::npos);
  CHECK(e.find("-0.5") != std::string::npos);

  s.write("bscbot.yaml", "bsc_rpc_url: not a url\n");
  e = load_error(o);
  CHECK(e.find("BSC_RPC_URL") != std::string::npos);
  CHECK(e.find("not a url") != std::string::npos);

  s.write("bscbot.yaml", "bsc_rpc_urls: https://a.example/, ftp//broken\n");
  CHECK(load_error(o).find("ftp//broken") != std::string::npos);

  s.write("bscbot.yaml", "prot: 10001\n");
  e = load_error(o);
  CHECK(e.find("unknown setting 'prot'") != std::string::npos);
  CHECK(e.find("did you mean 'port'") != std::string::npos);

  s.write("bscbot.yaml", "port: [1, 2\n");
  e = load_error(o);
  CHECK(e.find("bscbot.yaml:") != std::string::npos);

  s.write("bscbot.yaml", "log_level: verbose\n");
  CHECK(load_error(o).find("one of trace, debug, info") != std::string::npos);

  s.write("bscbot.yaml", "disable_auth: maybe\n");
  CHECK(load_error(o).find("true or false") != std::string::npos);

  s.write("bscbot.yaml", "");
  s.write(".env", "PORT=10001\nSLIPAGE=1\n");
  e = load_error(o);
  CHECK(e.find(".env:2") != std::string::npos);
  CHECK(e.find("SLIPAGE") != std::string::npos);

  s.write(".env", "GAS_PRICE_MULTIPLIER=abc\n");
  e = load_error(o);
  CHECK(e.find("GAS_PRICE_MULTIPLIER") != std::string::npos);
  CHECK(e.find(".env") != std::string::npos);

  s.write(".env", "");
  o.environment = {{"DEFAULT_GAS_LIMIT", "12"}};
  e = load_error(o);
  CHECK(e.find("DEFAULT_GAS_LIMIT") != std::string::npos);
  CHECK(e.find("environment") != std::string::npos);
}

TEST_CASE("config: secrets never appear in errors") {
  Scratch s("config-secret-error");
  s.write("bscbot.yaml", "database_url: \"postgresql-but-wrong hunter2\"\n");
  const std::string e = load_error(options_in(s));
  CHECK(e.find("DATABASE_URL") != std::string::npos);
  CHECK(e.find("hunter2") == std::string::npos);
}

TEST_CASE("config: thresholds must be ordered") {
  Scratch s("config-order");
  s.write("bscbot.yaml", "response_time_warn_ms: 900\nresponse_time_crit_ms: 500\n");
  CHECK(load_error(options_in(s)).find("RESPONSE_TIME_WARN_MS") != std::string::npos);
  s.write("bscbot.yaml", "success_rate_warn_pct: 80\n");
  CHECK(load_error(options_in(s)).find("SUCCESS_RATE_WARN_PCT") != std::string::npos);
  s.write("bscbot.yaml", "db_client: pg\n");
  CHECK(load_error(options_in(s)).find("DATABASE_URL") != std::string::npos);
}

TEST_CASE("config: a missing explicit config file is an error, a missing default is not") {
  Scratch s("config-missing");
  LoadOptions o = options_in(s);
  CHECK(load_error(o).find("does not exist") != std::string::npos);
}

TEST_CASE("config: display masks secrets and URL passwords") {
  using bscbot::core::config::display_value;
  using bscbot::core::config::find_setting;
  CHECK(display_value(*find_setting("JWT_SECRET"), std::string(64, 'x')) == "**** (64 chars)");
  const auto url = display_value(*find_setting("DATABASE_URL"), "postgresql://bot:s3cret@db:5432/bsc_trading_bot");
  CHECK(url.find("s3cret") == std::string::npos);
  CHECK(url.find("bot:****@db") != std::string::npos);
  CHECK(display_value(*find_setting("PORT"), "10001") == "10001");
}

TEST_CASE("config: rpc_urls puts BSC_RPC_URL first and drops repeats") {
  Scratch s("config-rpc");
  s.write("bscbot.yaml", "bsc_rpc_url: https://a.example/\nbsc_rpc_urls: https://b.example/, https://a.example/\n");
  const Config cfg = bscbot::core::config::load(options_in(s));
  REQUIRE(cfg.rpc_urls().size() == 2);
  CHECK(cfg.rpc_urls()[0] == "https://a.example/");
  CHECK(cfg.rpc_urls()[1] == "https://b.example/");
}

TEST_CASE("config: the example file loads and changes nothing") {
  Scratch s("config-example");
  s.write("bscbot.yaml", bscbot::core::config::example_yaml());
  const Config cfg = bscbot::core::config::load(options_in(s));
  CHECK(cfg.integer("PORT") == 10001);
  // Uncommenting every line gives the defaults again.
  std::string uncommented;
  std::istringstream in(bscbot::core::config::example_yaml());
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(": ");
    if (line.rfind("# ", 0) != 0 || colon == std::string::npos || line.find("(set in .env)") != std::string::npos) continue;
    std::string key = line.substr(2, colon - 2);
    for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (bscbot::core::config::find_setting(key)) {
      uncommented += line.substr(2) + "\n";
    }
  }
  s.write("bscbot.yaml", uncommented);
  const Config all = bscbot::core::config::load(options_in(s));
  CHECK(all.integer("PORT") == 10001);
  CHECK(all.source("PORT").kind == Source::Kind::file);
}

TEST_CASE("config: dotenv syntax") {
  using bscbot::core::config::parse_dotenv;
  const auto lines = parse_dotenv("# comment\n\nexport A=1\nB = two words # trailing\nC='lit$eral'\nD=\"line\\nnext\"\nE=\n", ".env");
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].key == "A");
  CHECK(lines[1].value == "two words");
  CHECK(lines[2].value == "lit$eral");
  CHECK(lines[3].value == "line\nnext");
  CHECK(lines[4].value.empty());
  CHECK_THROWS_AS(parse_dotenv("NOEQUALS\n", ".env"), Error);
  CHECK_THROWS_AS(parse_dotenv("A=\"open\n", ".env"), Error);
  CHECK_THROWS_AS(parse_dotenv("1BAD=x\n", ".env"), Error);
}
