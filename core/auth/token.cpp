#include "core/auth/token.hpp"

#include <fmt/format.h>

#include <jwt/jwt.hpp>

#include "core/error.hpp"

namespace bscbot::core::auth {

namespace {

std::int64_t unix_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Verdict refuse(Refusal why, std::string message) {
  Verdict v;
  v.refusal = why;
  v.message = std::move(message);
  return v;
}

// cpp-jwt's base64 decoder indexes its 256-entry table with a plain (signed) char, so a byte
// above 0x7f reads outside the table (found by fuzz/fuzz_jwt.cpp). A compact JWT is base64url
// and dots only; anything else never reaches the library.
bool is_compact_jwt_text(std::string_view token) {
  return token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string_view::npos;
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::trader: return "trader";
    case Role::admin: return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::viewer;
  if (text == "trader") return Role::trader;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

bool role_allows(Role held, Role needed) { return static_cast<int>(held) >= static_cast<int>(needed); }

std::string mint_token(std::string_view secret, const std::string& subject, Role role, std::chrono::seconds ttl,
                       const Clock& clock) {
  if (secret.empty()) throw Error(ErrorKind::config, "JWT_SECRET is not set; `bscbot init` writes one into .env");
  if (subject.empty()) throw Error(ErrorKind::usage, "a token needs a subject (who it is for)");
  if (ttl.count() <= 0) throw Error(ErrorKind::usage, "a token's lifetime must be positive");
  const SystemTime now = clock.now();
  jwt::jwt_object token{jwt::params::algorithm("HS256"), jwt::params::secret(secret)};
  token.add_claim("sub", subject);
  token.add_claim("role", std::string(to_string(role)));
  token.add_claim("iat", unix_seconds(now));
  token.add_claim("exp", unix_seconds(now + ttl));
  return token.signature();
}

SignedToken::Result check_signed_token(std::string_view secret, std::string_view token) {
  const auto refused = [](Refusal why, std::string message) { return SignedToken::Result{std::nullopt, refuse(why, std::move(message))}; };
  if (secret.empty()) return refused(Refusal::bad_signature, "the daemon has no JWT_SECRET, so no token can be valid");
  if (token.empty() || token.size() > 8192) return refused(Refusal::malformed, "token is empty or too long");
  const auto first_dot = token.find('.');
  const auto last_dot = token.rfind('.');
  if (first_dot == std::string_view::npos || first_dot == last_dot || token.find('.', first_dot + 1) != last_dot ||
      last_dot + 1 == token.size()) {
    return refused(Refusal::malformed, "token is not a well-formed JWT (header.payload.signature)");
  }
  if (!is_compact_jwt_text(token)) return refused(Refusal::malformed, "token is not a well-formed JWT (characters outside base64url)");
  jwt::jwt_object decoded;
  try {
    std::error_code ec;
    // Parsed only: cpp-jwt would judge exp and nbf by the system clock (with a leeway), and the
    // time claims are ours to judge, in judge_times, by the injected clock.
    decoded = jwt::decode(jwt::string_view(token.data(), token.size()), jwt::params::algorithms({"HS256"}), ec,
                          jwt::params::verify(false));
    if (ec) return refused(Refusal::malformed, fmt::format("token is not a well-formed JWT ({})", ec.message()));
    if (decoded.header().algo() != jwt::algorithm::HS256) return refused(Refusal::bad_signature, "token is not signed with HS256");
    jwt::jwt_signature signature{jwt::string_view(secret.data(), secret.size())};
    const auto [valid, sign_ec] = signature.verify(decoded.header(), jwt::string_view(token.data(), last_dot),
                                                   jwt::string_view(token.data() + last_dot + 1, token.size() - last_dot - 1));
    if (sign_ec || !valid) return refused(Refusal::bad_signature, "token signature is not valid for this daemon's JWT_SECRET");
  } catch (const std::exception& e) {
    return refused(Refusal::malformed, fmt::format("token is not a well-formed JWT ({})", e.what()));
  }
  const auto& object = decoded.payload().create_json_obj();
  auto integer = [&](const char* name) -> std::optional<std::int64_t> {
    if (!object.contains(name) || !object[name].is_number_integer()) return std::nullopt;
    return object[name].get<std::int64_t>();
  };
  auto text = [&](const char* name) -> std::optional<std::string> {
    if (!object.contains(name) || !object[name].is_string()) return std::nullopt;
    return object[name].get<std::string>();
  };
  SignedToken t;
  const auto exp = integer("exp");
  t.iat = integer("iat");
  t.nbf = integer("nbf");
  const auto sub = text("sub");
  const auto role_text = text("role");
  if (object.contains("exp") && !exp) return refused(Refusal::bad_claims, "token's exp is not a whole number of seconds");
  if (!exp) return refused(Refusal::bad_claims, "token has no expiry (exp)");
  if (object.contains("nbf") && !t.nbf) return refused(Refusal::bad_claims, "token's nbf is not a whole number of seconds");
  if (object.contains("iat") && !t.iat) return refused(Refusal::bad_claims, "token's iat is not a whole number of seconds");
  if (!sub || sub->empty()) return refused(Refusal::bad_claims, "token has no subject (sub)");
  if (!role_text) return refused(Refusal::bad_claims, "token has no role");
  const auto role = parse_role(*role_text);
  if (!role) return refused(Refusal::bad_claims, fmt::format("token role '{}' is not viewer, trader or admin", *role_text));
  t.exp = *exp;
  t.claims.subject = *sub;
  t.claims.role = *role;
  t.claims.issued_at = SystemTime(std::chrono::seconds(t.iat.value_or(0)));
  t.claims.expires_at = SystemTime(std::chrono::seconds(*exp));
  return {std::move(t), {}};
}

Verdict judge_times(const SignedToken& t, const Clock& clock) {
  const std::int64_t now = unix_seconds(clock.now());
  const std::int64_t skew = k_clock_skew.count();
  const std::string& sub = t.claims.subject;
  if (now >= t.exp) return refuse(Refusal::expired, fmt::format("token for '{}' expired {} s ago", sub, now - t.exp));
  if (t.nbf && *t.nbf > now + skew) {
    return refuse(Refusal::not_yet_valid, fmt::format("token for '{}' is not valid for another {} s (nbf)", sub, *t.nbf - now));
  }
  // A token issued in the future (beyond the clock skew) was not minted by us.
  if (t.iat && *t.iat > now + skew) return refuse(Refusal::bad_claims, "token is issued in the future");
  Verdict v;
  v.claims = t.claims;
  return v;
}

Verdict verify_token(std::string_view secret, std::string_view token, const Clock& clock) {
  const auto checked = check_signed_token(secret, token);
  return checked.token ? judge_times(*checked.token, clock) : checked.refused;
}

std::optional<std::string> bearer_token(std::string_view header_value) {
  constexpr std::string_view k_scheme = "Bearer ";
  if (header_value.size() <= k_scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < k_scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header_value[i])) != std::tolower(static_cast<unsigned char>(k_scheme[i]))) {
      return std::nullopt;
    }
  }
  std::string token(header_value.substr(k_scheme.size()));
  token.erase(0, token.find_first_not_of(' '));
  token.erase(token.find_last_not_of(" \t\r\n") + 1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace bscbot::core::auth
