#include "fuzz/support/daemon_fixture.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <sstream>

#include "core/config/config.hpp"
#include "core/db/migrations.hpp"
#include "core/db/store.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"
#include "core/util/files.hpp"
#include "core/version.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/auth.hpp"
#include "daemon/metrics.hpp"
#include "daemon/state.hpp"
#include "daemon/ws/hub.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace bhttp = boost::beast::http;

namespace bscbot::fuzz {

namespace {

core::config::Config fixture_config(const std::filesystem::path& dir) {
  const auto yaml = dir / "bscbot.yaml";
  core::atomic_write_file(yaml, "");
  core::config::LoadOptions options;
  options.config_file = yaml;
  options.dotenv_file = "";
  options.overrides = {{"DATA_DIR", (dir / "data").string()},
                       {"LOG_DIR", (dir / "logs").string()},
                       {"JWT_SECRET", k_jwt_secret},
                       {"CORS_ORIGINS", "http://localhost:3000"},
                       {"DB_POOL_MIN", "1"},
                       {"DB_POOL_MAX", "2"}};
  return core::config::load(options);
}

// A migrated database with trades of each status, so history, trade and since filters have
// rows to find.
std::unique_ptr<core::db::Store> seeded_store(const core::config::Config& cfg) {
  auto store = core::db::open_store(cfg, core::db::Access::create, core::db::pool_of(1, 2));
  store->migrate();
  auto& trades = store->trades();
  const std::string wallet = "0x1111111111111111111111111111111111111111";
  const std::string wbnb = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
  const std::string token = "0x2222222222222222222222222222222222222222";
  for (int i = 0; i < 6; ++i) {
    core::db::NewTrade t;
    t.wallet_address = wallet;
    t.token_in = i % 2 ? token : wbnb;
    t.token_out = i % 2 ? wbnb : token;
    t.amount_in = core::Wei::require("123456789012345678901234567890", "amount_in");
    t.path = t.token_in + "," + t.token_out;
    t.slippage_bps = 50;
    t.created_at = core::parse_sql_datetime("2026-11-2" + std::to_string(i) + " 12:00:00");
    const auto id = trades.insert(t);
    core::db::SignedTrade s;
    s.quoted_amount_out = core::Wei::require("1000", "quoted");
    s.amount_out_min = core::Wei::require("995", "minimum");
    s.gas_price = core::Wei::require("5000000000", "gas price");
    s.tx_hash = "0x" + std::string(63, 'a') + std::to_string(i);
    s.path = t.path;
    s.nonce = i;
    s.chain_id = 56;
    if (i >= 2) trades.mark_signed(id, s);
    if (i >= 4) {
      trades.complete(id, core::Wei::require("1000", "amount out"), {90000, core::Wei::require("450000000000000", "gas fee"), 100 + i});
    } else if (i == 3) {
      trades.fail(id, "slippage: output below amountOutMin", std::nullopt, core::db::KeepTxHash::yes);
    }
  }
  return store;
}

}  // namespace

struct DaemonFixture::Parts {
  std::filesystem::path dir = scratch_dir() / "daemon";
  core::config::Config cfg;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  daemon::Metrics metrics;
  daemon::RuntimeState state;
  std::unique_ptr<core::db::Store> store;
  std::unique_ptr<daemon::App> app;
  std::unique_ptr<daemon::WsHub> hub;
  daemon::http::Router router;

  Parts() : cfg((std::filesystem::create_directories(dir), fixture_config(dir))) {
    store = seeded_store(cfg);
    app = std::make_unique<daemon::App>(daemon::App{cfg, log, metrics, state, *store, core::db::latest_schema_version(), nullptr, nullptr, nullptr, nullptr});
    hub = std::make_unique<daemon::WsHub>(*app, static_cast<int>(cfg.integer("MAX_CONNECTIONS")));
    app->hub = hub.get();
    router.add(daemon::api::health_routes(*app));
    router.add(daemon::api::metrics_routes(*app));
    router.add(daemon::api::trading_routes(*app));
    router.set_authorizer([this](const daemon::http::Request& r, daemon::http::Auth needed) { return daemon::authorize(*app, r, needed); });
    // As after the worker's first turn: the database was probed and is fine.
    state.set_db({core::db::DbState::ok, "", std::chrono::steady_clock::now(), std::nullopt, std::nullopt});
  }
};

DaemonFixture& DaemonFixture::get() {
  static DaemonFixture* fixture = new DaemonFixture();  // never destroyed: libFuzzer exits from inside a run
  return *fixture;
}

DaemonFixture::DaemonFixture() : m_parts(std::make_unique<Parts>()) {}
DaemonFixture::~DaemonFixture() = default;

std::string DaemonFixture::token(core::auth::Role role) const {
  return core::auth::mint_token(k_jwt_secret, "fuzz", role, std::chrono::hours(24));
}

std::uint64_t DaemonFixture::max_request_bytes() const {
  return static_cast<std::uint64_t>(m_parts->cfg.integer("MAX_REQUEST_BYTES"));
}

daemon::http::Response DaemonFixture::serve(const daemon::http::BeastRequest& message, bool loopback) {
  bool malformed_url = false;
  daemon::http::Request request = daemon::http::to_request(message, malformed_url);
  request.remote_address = loopback ? "127.0.0.1" : "192.0.2.7";
  request.loopback = loopback;
  daemon::http::Response response;
  const std::string_view target = message.target();
  if (boost::beast::websocket::is_upgrade(message) && target.substr(0, target.find('?')) == "/ws") {
    // The upgrade itself belongs to fuzz_ws_message; here only its token check.
    auto refusal = daemon::authorize(*m_parts->app, request, daemon::http::Auth::viewer);
    response = refusal ? std::move(*refusal) : daemon::http::Response::json(101, {{"upgrade", "accepted"}});
  } else if (malformed_url) {
    response = daemon::http::Response::error(400, "bad_request", "malformed percent-encoding in the URL");
  } else {
    response = m_parts->router.dispatch(request).response;
  }
  // HttpSession::write: the same fields, then the bytes a client would receive.
  bhttp::response<bhttp::string_body> res(static_cast<bhttp::status>(response.status), message.version());
  res.set(bhttp::field::server, std::string("bscbotd/") + k_version);
  res.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.keep_alive(message.keep_alive());
  res.body() = response.body;
  res.prepare_payload();
  std::ostringstream wire;
  wire << res;
  return response;
}

}  // namespace bscbot::fuzz
