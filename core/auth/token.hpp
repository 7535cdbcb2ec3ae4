#pragma once
// API tokens: HS256 JWTs with the claims sub, role, iat and exp, signed with JWT_SECRET. The
// daemon verifies them on every trading route; `bscbot token issue` and the CLI mint them, so
// both sides share one definition of a valid token and of the role order.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/clock.hpp"

namespace bscbot::core::auth {

// Ordered: a role may do what every lower role may.
enum class Role { viewer = 0, trader = 1, admin = 2 };

std::string_view to_string(Role role);

// Parses "viewer", "trader" or "admin"; nullopt otherwise.
std::optional<Role> parse_role(std::string_view text);

// Whether `held` is allowed where `needed` is required.
bool role_allows(Role held, Role needed);

struct Claims {
  std::string subject;
  Role role = Role::viewer;
  SystemTime issued_at;
  SystemTime expires_at;
};

// Signs a token for `subject` with `role`, valid for `ttl` from `clock`'s now. Throws
// core::Error(config) when `secret` is empty and core::Error(usage) for an empty subject or a
// non-positive ttl.
std::string mint_token(std::string_view secret, const std::string& subject, Role role, std::chrono::seconds ttl,
                       const Clock& clock = system_clock());

// Why a token was refused; the daemon answers 401 with `message` and logs it.
enum class Refusal { malformed, bad_signature, expired, not_yet_valid, bad_claims };

// How far ahead of our clock a token's nbf and iat may be (the minting host's clock may run a
// little fast); exp gets no leeway.
constexpr std::chrono::seconds k_clock_skew{60};

struct Verdict {
  std::optional<Claims> claims;       // set when the token is valid
  Refusal refusal = Refusal::malformed;
  std::string message;                // one line, never containing the token or the secret
  bool ok() const { return claims.has_value(); }
};

// Checks signature (HS256 only: "none" and other algorithms are refused), exp, nbf and iat
// against `clock` (nbf and iat with k_clock_skew), and the claims. Never throws for a bad token.
Verdict verify_token(std::string_view secret, std::string_view token, const Clock& clock = system_clock());

// verify_token's two halves, for the daemon's cache of verified tokens (core/auth/token_cache.hpp):
// what does not depend on the time (well-formed, HS256, signed with `secret`, the claims), and
// the judgement of its time claims, which is made again at every use.
struct SignedToken {
  Claims claims;
  std::int64_t exp = 0;
  std::optional<std::int64_t> nbf, iat;
  struct Result;
};
struct SignedToken::Result {
  std::optional<SignedToken> token;  // set when signature and claims are sound
  Verdict refused;                   // otherwise why not
};
SignedToken::Result check_signed_token(std::string_view secret, std::string_view token);
Verdict judge_times(const SignedToken& token, const Clock& clock);

// The token of an "Authorization: Bearer <token>" header value; nullopt for another scheme.
std::optional<std::string> bearer_token(std::string_view header_value);

}  // namespace bscbot::core::auth
