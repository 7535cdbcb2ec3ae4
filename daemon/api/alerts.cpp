// POST /api/v1/alerts: Alertmanager's webhook receiver (deploy/alertmanager/alertmanager.yml),
// so the Prometheus rules of deploy/prometheus reach people through the same routes,
// deduplication, retries and delivery log as bscbotd's own alerts. It takes its own bearer
// token (NOTIFY_ALERTS_TOKEN), not a user JWT: Alertmanager holds one static credential.
#include <openssl/crypto.h>

#include "core/auth/token.hpp"
#include "core/error.hpp"
#include "core/notify/sources.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/notify_service.hpp"

namespace bscbot::daemon::api {

namespace {

// Constant-time, so the token cannot be guessed byte by byte from response times.
bool same_token(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

http::Response receive(App& app, const http::Request& r) {
  const std::string& expected = app.cfg.text("NOTIFY_ALERTS_TOKEN");
  if (expected.empty()) {
    return http::Response::error(403, "forbidden", "NOTIFY_ALERTS_TOKEN is not set: this bscbotd takes no alerts");
  }
  const auto header = r.header("authorization");
  const auto token = header ? core::auth::bearer_token(*header) : std::nullopt;
  if (!token || !same_token(*token, expected)) {
    http::Response refused = http::Response::error(401, "unauthorized", "send 'Authorization: Bearer <NOTIFY_ALERTS_TOKEN>'");
    refused.headers["WWW-Authenticate"] = "Bearer";
    return refused;
  }
  nlohmann::json payload;
  try {
    payload = nlohmann::json::parse(r.body);
  } catch (const nlohmann::json::exception& e) {
    throw core::Error(core::ErrorKind::data, std::string("the body is not JSON: ") + e.what());
  }
  auto batch = core::notify::parse_alertmanager(payload);
  const auto accepted = batch.events.size();
  if (!app.notify) throw core::Error(core::ErrorKind::unavailable, "notifications are not running");
  app.log->info("Alertmanager: {} alert(s) from receiver {} (group {})", accepted, batch.receiver, batch.group_key);
  app.notify->enqueue(std::move(batch.events));
  return http::Response::json(200, {{"status", "accepted"}, {"alerts", accepted}});
}

}  // namespace

std::vector<http::Route> alert_routes(App& app) {
  return {
      {"POST", "/api/v1/alerts", http::Auth::none, "Alertmanager webhook receiver (bearer NOTIFY_ALERTS_TOKEN)",
       [&app](const http::Request& r) { return receive(app, r); }},
  };
}

}  // namespace bscbot::daemon::api
