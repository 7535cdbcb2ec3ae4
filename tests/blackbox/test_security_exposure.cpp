// Issue 12 rows 5, 6 and 7: what the daemon and the CLI show to whom. No RPC key, URL password or
// database password is ever shown or logged; the deployment's wallet and paths only to a caller
// who may read; and token-less reads are only for programs on this host, not for web pages
// (cross-origin, DNS rebinding) or requests relayed by a proxy.
#include "tests/blackbox/security_fixture.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/postgres.hpp"

using namespace bscbot;
using core::auth::Role;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_key1 = "64a9df0874fb4a93b9d0a3849de012d3";
const std::string k_key2 = "Zx81kQp2LmN7oR4sT6vW9yB1cD3eF5gH";
// Anvil's second account; its address is the wallet.
const std::string k_trading_key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const std::string k_wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

}  // namespace

TEST_SUITE("security") {

TEST_CASE("security: /api/health and the log never show RPC keys; the wallet and paths only to readers") {
  test::Scratch s("sec-health-secrets");
  const fs::path key_file = s.write("keys/trading.key", k_trading_key + "\n");
  fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write);
  const int dead1 = test::free_port(), dead2 = test::free_port();
  test::Daemon d(s.path(), {{"CHAIN_ENABLED", "true"},
                            {"BSC_RPC_URL", "http://127.0.0.1:" + std::to_string(dead1) + "/v1/" + k_key1},
                            {"BSC_RPC_URLS", "http://bob:hunter2@127.0.0.1:" + std::to_string(dead2) + "/v2/" + k_key2},
                            {"RPC_TIMEOUT_MS", "200"},
                            {"RPC_RETRIES", "0"},
                            {"TRADING_KEY_FILE", key_file.string()},
                            {"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  // Both endpoints have been tried and failed: their URLs are in the health document and the log.
  REQUIRE(test::eventually([&] {
    const json h = json::parse(d.get("/api/health").body);
    return h["chain"]["endpoints"].size() == 2 && h["chain"]["endpoints"][1]["failures"].get<int>() > 0;
  }));
  const auto secrets_absent = [&](const std::string& text) {
    for (const std::string& secret : {k_key1, k_key2, std::string("hunter2"), k_trading_key}) {
      CHECK_MESSAGE(text.find(secret) == std::string::npos, secret);
    }
  };
  // Anyone who can reach the port (here a page on another host name, via a rebinding DNS).
  const auto outside = test::request(d, "GET", "/api/health", {{"Host", "attacker.example:" + std::to_string(d.port())}});
  REQUIRE(outside.status == 200);
  secrets_absent(outside.body);
  const json summary = json::parse(outside.body);
  CHECK(outside.body.find(k_wallet) == std::string::npos);
  CHECK(outside.body.find(s.path().string()) == std::string::npos);
  CHECK(summary["chain"]["endpoints"][0]["url"] == "http://127.0.0.1:" + std::to_string(dead1) + "/v1/****");
  CHECK(summary["chain"]["endpoints"][1]["url"] == "http://bob:****@127.0.0.1:" + std::to_string(dead2) + "/v2/****");
  CHECK(summary["status"] == "ok");
  // A reader (a direct local probe, or a viewer token) also sees the wallet and the database path.
  for (const auto& reader : {test::request(d, "GET", "/api/health", {}),
                             test::request(d, "GET", "/api/health", {{"Host", "attacker.example"}, {"Authorization", "Bearer " + test::token_for(Role::viewer)}})}) {
    secrets_absent(reader.body);
    const json full = json::parse(reader.body);
    CHECK(full["chain"]["wallet"] == k_wallet);
    CHECK(full["database"]["path"].get<std::string>().find("trading-bot.sqlite") != std::string::npos);
  }
  // The fallback's failure is logged with its URL masked.
  CHECK(test::eventually([&] {
    return test::daemon_log(s).find("bob:****@127.0.0.1:" + std::to_string(dead2) + "/v2/****") != std::string::npos;
  }));
  secrets_absent(test::daemon_log(s));
  // And `bscbot daemon status --json`, which carries the health document, shows no more.
  const auto status = test::bscbot({"--json", "daemon", "status"}, s.path(), d.env());
  secrets_absent(status.out);
}

TEST_CASE("security: config show masks every password and key, in text and --json") {
  test::Scratch s("sec-config-show");
  const std::map<std::string, std::string> env = {
      {"DATABASE_URL", "postgresql://bot:pa:ss@db.example:5432/bsc_trading_bot?sslmode=require&password=hunter2"},
      {"BSC_RPC_URL", "https://user:s3cretpw@node.example/v1/" + k_key1},
      {"BSC_RPC_URLS", "https://rpc.example/bsc/" + k_key2 + ",https://other.example/?apikey=plainkey99"},
      {"JWT_SECRET", test::k_jwt_secret}};
  const auto secrets_absent = [&](const std::string& text) {
    for (const std::string& secret : {std::string("hunter2"), std::string("pa:ss"), std::string(":ss@"), std::string("s3cretpw"), k_key1,
                                      k_key2, std::string("plainkey99"), test::k_jwt_secret}) {
      CHECK_MESSAGE(text.find(secret) == std::string::npos, secret);
    }
  };
  const auto text = test::bscbot({"config", "show"}, s.path(), env);
  REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  secrets_absent(text.out);
  CHECK(text.out.find("postgresql://bot:****@db.example:5432/bsc_trading_bot?sslmode=require&password=****") != std::string::npos);
  CHECK(text.out.find("https://user:****@node.example/v1/****") != std::string::npos);
  const auto doc = test::bscbot({"--json", "config", "show"}, s.path(), env);
  REQUIRE_MESSAGE(doc.exit_code == 0, doc.err);
  secrets_absent(doc.out);
  const json j = json::parse(doc.out);
  CHECK(j["settings"]["_derived"]["rpc_urls"] ==
        json::array({"https://user:****@node.example/v1/****", "https://rpc.example/bsc/****", "https://other.example/?apikey=****"}));
  // A bad value is named in the error without its secret.
  const auto bad = test::bscbot({"config", "check"}, s.path(), {{"BSC_RPC_URLS", "ftp://u:hunter2@x.example/" + k_key1}});
  CHECK(bad.exit_code == 78);
  secrets_absent(bad.err);
  CHECK(bad.err.find("BSC_RPC_URLS") != std::string::npos);
  // bscbotd refuses the same value the same way, on stderr and in nothing it writes.
  const auto daemon = test::run(test::bscbotd_exe(), {}, s.path(), {{"BSC_RPC_URLS", "ftp://u:hunter2@x.example/" + k_key1},
                                                                    {"PORT", std::to_string(test::free_port())}});
  CHECK(daemon.exit_code == 78);
  secrets_absent(daemon.err);
}

TEST_CASE("security: token-less reads are for programs on this host, not for web pages or proxies") {
  test::Scratch s("sec-loopback");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}, {"CORS_ORIGINS", "https://app.example.com"}});
  d.start();
  const std::string history = "/api/v1/trading/history?limit=5";
  const std::string port = std::to_string(d.port());
  // The manual's curl probe, as it is written.
  CHECK(test::shell("curl -sf http://localhost:" + port + history, s.path()).exit_code == 0);
  CHECK(test::request(d, "GET", history, {}).status == 200);
  CHECK(test::request(d, "GET", history, {{"Host", "[::1]:" + port}}).status == 200);
  CHECK(test::request(d, "GET", history, {{"Origin", "https://app.example.com"}}).status == 200);
  // DNS rebinding: a page at attacker.example resolved to 127.0.0.1 sends its own host name.
  CHECK(test::request(d, "GET", history, {{"Host", "attacker.example:" + port}}).status == 401);
  // A cross-origin fetch from a page open in a browser on this host.
  CHECK(test::request(d, "GET", history, {{"Origin", "https://attacker.example"}}).status == 401);
  // A reverse proxy on this host relaying a request from anywhere.
  CHECK(test::request(d, "GET", history, {{"X-Forwarded-For", "203.0.113.9"}}).status == 401);
  CHECK(test::request(d, "GET", history, {{"Forwarded", "for=203.0.113.9"}}).status == 401);
  // A token works from anywhere, as before.
  CHECK(test::request(d, "GET", history, {{"Host", "attacker.example"}, {"Authorization", "Bearer " + test::token_for(Role::viewer)}})
            .status == 200);
  // The live trade stream: a cross-origin WebSocket is refused, token or not.
  CHECK(test::ws_upgrade(d.port(), "/ws", {{"Origin", "https://attacker.example"}}) == 403);
  CHECK(test::ws_upgrade(d.port(), "/ws?token=" + test::token_for(Role::viewer), {{"Origin", "https://attacker.example"}}) == 403);
  CHECK(test::ws_upgrade(d.port(), "/ws", {{"Host", "attacker.example"}}) == 401);
  CHECK(test::ws_upgrade(d.port(), "/ws", {{"Origin", "https://app.example.com"}}) == 101);
  CHECK(test::ws_upgrade(d.port(), "/ws") == 101);
  // With LOOPBACK_READS_WITHOUT_TOKEN=false nothing reads without a token.
  test::Scratch s2("sec-loopback-off");
  test::Daemon strict(s2.path(), {{"JWT_SECRET", test::k_jwt_secret}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
  strict.start();
  CHECK(test::request(strict, "GET", history, {}).status == 401);
  CHECK(test::ws_upgrade(strict.port(), "/ws") == 401);
}

TEST_CASE("security: audit reports LOOPBACK_READS_WITHOUT_TOKEN=true in production") {
  test::Scratch s("sec-audit-loopback");
  const std::map<std::string, std::string> prod = {{"NODE_ENV", "production"}, {"JWT_SECRET", test::k_jwt_secret}};
  auto finding = [&](std::map<std::string, std::string> env) {
    const auto r = test::bscbot({"--json", "audit"}, s.path(), env);
    const json findings = json::parse(r.out)["findings"];
    for (const auto& f : findings) {
      if (f["id"] == "loopback_reads") return f;
    }
    FAIL("no loopback_reads finding");
    return json();
  };
  const json risky = finding(prod);
  CHECK(risky["severity"] == "WARN");
  CHECK(risky["evidence"].get<std::string>().find("LOOPBACK_READS_WITHOUT_TOKEN=true") != std::string::npos);
  CHECK(risky["fix"].get<std::string>().find("LOOPBACK_READS_WITHOUT_TOKEN=false") != std::string::npos);
  auto strict = prod;
  strict["LOOPBACK_READS_WITHOUT_TOKEN"] = "false";
  CHECK(finding(strict)["severity"] == "OK");
  CHECK(finding({{"JWT_SECRET", test::k_jwt_secret}})["severity"] == "OK");  // not judged outside production
}

TEST_CASE("security: DATABASE_URL's password never shows: config show, health, audit, db, the daemon's log and errors") {
  // On PostgreSQL always (the URL is the point), whichever backend the suite runs on.
  auto& server = test::PgServer::shared();
  test::Scratch s("sec-database-url");
  const std::string url = server.create_database("sec-database-url");  // postgresql://bscbot:PASSWORD@127.0.0.1:PORT/NAME
  const std::string user_prefix = "postgresql://bscbot:";
  REQUIRE(url.rfind(user_prefix, 0) == 0);
  const std::string password = url.substr(user_prefix.size(), url.find('@') - user_prefix.size());
  REQUIRE(password.size() >= 8);
  const std::string port = std::to_string(server.port());
  const std::string name = url.substr(url.rfind('/') + 1);
  // The same database, with the password as a query parameter instead.
  const std::string query_url = "postgresql://bscbot@127.0.0.1:" + port + "/" + name + "?sslmode=disable&password=" + password;
  const auto absent = [&](const std::string& what, const std::string& text) {
    CAPTURE(what);
    CHECK(text.find(password) == std::string::npos);
  };
  const auto init = test::bscbot({"init", "--database-url", url}, s.path());
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  absent("init", init.out + init.err);
  for (const auto& env : {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"DATABASE_URL", query_url}}}) {
    CAPTURE(env.empty() ? url : query_url);
    for (const std::vector<std::string>& args : {std::vector<std::string>{"config", "show"}, {"--json", "config", "show"}, {"db", "status"},
                                                 {"--json", "db", "status"}, {"health"}, {"--json", "health"}, {"--json", "audit"},
                                                 {"backup"}, {"--json", "backup", "list"}}) {
      const auto r = test::bscbot(args, s.path(), env);
      CAPTURE(args.back());
      CHECK_MESSAGE(r.exit_code != 70, r.err);
      CHECK_MESSAGE(!r.out.empty(), r.err);
      absent("stdout", r.out);
      absent("stderr", r.err);
    }
    // config show names the URL with its password masked, in text and --json.
    const auto shown = test::bscbot({"--json", "config", "show"}, s.path(), env).out;
    CHECK(shown.find(env.empty() ? "postgresql://bscbot:****@127.0.0.1:" + port + "/" + name : "&password=****") != std::string::npos);
    // The daemon: its health document (to anyone, and to a reader), its log, `daemon status`.
    test::Daemon d(s.path(), env);
    d.start();
    const auto outside = test::request(d, "GET", "/api/health", {{"Host", "attacker.example"}});
    REQUIRE(outside.status == 200);
    absent("health, outside", outside.body);
    CHECK_FALSE(json::parse(outside.body)["database"].contains("path"));
    const auto reader = d.get("/api/health");
    absent("health, reader", reader.body);
    CHECK(json::parse(reader.body)["database"]["path"] == "postgresql://bscbot@127.0.0.1:" + port + "/" + name);
    absent("daemon status", test::bscbot({"--json", "daemon", "status"}, s.path(), env).out);
    CHECK(d.stop() == 0);
    // Nothing the deployment wrote holds it, but the .env it was given.
    for (const char* folder : {"logs", "backups", "data"}) {
      if (!fs::exists(s / folder)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(s / folder)) {
        if (entry.is_regular_file() && entry.path().extension() != ".pgdump") absent(entry.path().string(), test::read_text(entry.path()));
      }
    }
  }
  // Errors: a server that is not there, a refused password, a URL that is not valid.
  const std::string dead = "postgresql://bscbot:" + password + "@127.0.0.1:" + std::to_string(test::free_port()) + "/" + name;
  const std::string wrong_user = "postgresql://intruder:" + password + "@127.0.0.1:" + port + "/" + name;
  for (const std::string& bad : {dead, wrong_user, "postgresql://bscbot:" + password + "@/" + name, "mysql://bscbot:" + password + "@db.example/x"}) {
    CAPTURE(bad);
    for (const std::vector<std::string>& args : {std::vector<std::string>{"db", "status"}, {"--json", "health"}, {"config", "check"}}) {
      const auto r = test::bscbot(args, s.path(), {{"DATABASE_URL", bad}});
      absent("stdout", r.out);
      absent("stderr", r.err);
    }
    const auto daemon = test::run(test::bscbotd_exe(), {}, s.path(), {{"DATABASE_URL", bad}, {"PORT", std::to_string(test::free_port())}});
    CHECK(daemon.exit_code != 0);
    absent("bscbotd stderr", daemon.err);
  }
  // `db copy --to` a URL with a password: the report names where, not how to log in.
  const std::string target = server.create_database("sec-database-url-copy");
  const auto copy = test::bscbot({"--json", "db", "copy", "--to", target}, s.path());
  CHECK_MESSAGE(copy.exit_code == 0, copy.err);
  absent("db copy", copy.out + copy.err);
}

}  // TEST_SUITE
