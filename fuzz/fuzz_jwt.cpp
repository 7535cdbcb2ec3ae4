// The JWT check (core/auth): an API token as a client presents it, in an Authorization header
// or as ?token= on /ws, verified against a fixed secret and a fixed clock (so the verdict of a
// corpus entry never changes with the date). Properties: verify_token never throws; a token it
// accepts has a subject, a known role and an expiry after now; bearer_token takes back exactly
// what it was given.
#include "core/auth/token.hpp"
#include "fuzz/support/daemon_fixture.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 2027-01-01 00:00:00 UTC: after the corpus's tokens were minted (2026-12-01), before most expire.
  static const core::FixedClock clock(core::SystemTime(std::chrono::seconds(1798761600)));
  const std::string_view token = fuzz::as_text(data, size);

  const core::auth::Verdict verdict = core::auth::verify_token(fuzz::k_jwt_secret, token, clock);
  BSCBOT_FUZZ_CHECK(!verdict.message.empty() || verdict.ok(), token);
  if (verdict.ok()) {
    const core::auth::Claims& claims = *verdict.claims;
    BSCBOT_FUZZ_CHECK(!claims.subject.empty(), token);
    BSCBOT_FUZZ_CHECK(core::auth::parse_role(core::auth::to_string(claims.role)) == claims.role, token);
    BSCBOT_FUZZ_CHECK(claims.expires_at > clock.now(), token);
    // The same token under another secret is a forgery.
    BSCBOT_FUZZ_CHECK(!core::auth::verify_token("another secret", token, clock).ok(), token);
  }

  // The header the daemon reads it from.
  if (const auto taken = core::auth::bearer_token("Bearer " + std::string(token))) {
    const auto again = core::auth::bearer_token("Bearer " + *taken);
    BSCBOT_FUZZ_CHECK(again && *again == *taken, token);
  }
  (void)core::auth::bearer_token(token);
  return 0;
}
