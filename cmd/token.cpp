// bscbot token issue: mints an API token for an operator or a program, signed with this
// deployment's JWT_SECRET, for the daemon's trading routes and the /ws stream.
#include "cmd/commands.hpp"
#include "core/auth/token.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"

namespace bscbot::cmd {

namespace {

int run_issue(Context& ctx, const std::string& role_text, const std::string& subject, const std::string& ttl_text) {
  const auto& cfg = ctx.config();
  const auto role = core::auth::parse_role(role_text);
  if (!role) throw core::Error(core::ErrorKind::usage, fmt::format("role '{}' is not viewer, trader or admin", role_text));
  const std::chrono::seconds ttl = ttl_text.empty() ? std::chrono::seconds(cfg.integer("JWT_TTL_SECONDS")) : core::parse_duration(ttl_text);
  const auto now = ctx.clock().now();
  const std::string token = core::auth::mint_token(cfg.text("JWT_SECRET"), subject, *role, ttl);
  auto& out = ctx.out();
  out.document({{"token", token}, {"subject", subject}, {"role", role_text}, {"expires_at", core::to_iso8601(now + ttl)}});
  out.line(token);
  out.note(fmt::format("token for '{}' with role {}, valid until {} UTC; send it as 'Authorization: Bearer <token>'", subject, role_text,
                       core::to_sql_datetime(now + ttl)));
  return 0;
}

}  // namespace

void setup_token(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto role = std::make_shared<std::string>("viewer");
  auto subject = std::make_shared<std::string>();
  auto ttl = std::make_shared<std::string>();
  auto* issue = command.add_subcommand("issue", "Mint an API token (JWT HS256 signed with JWT_SECRET) and print it");
  issue->add_option("--role", *role, "viewer (reads), trader (swaps and cancels) or admin")
      ->check(CLI::IsMember({"viewer", "trader", "admin"}))
      ->capture_default_str();
  issue->add_option("--subject", *subject, "Who the token is for (its sub claim), e.g. alice")->required();
  issue->add_option("--ttl", *ttl, "Lifetime such as 1d, 12h or 30m (default JWT_TTL_SECONDS)");
  issue->callback([&ctx, role, subject, ttl] { ctx.run = [&ctx, role, subject, ttl] { return run_issue(ctx, *role, *subject, *ttl); }; });
}

}  // namespace bscbot::cmd
