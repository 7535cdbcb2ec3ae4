#pragma once
// Rules about secrets: is a JWT secret or database password strong, and does a file carry a
// real secret (the manual's `git ls-files | xargs grep -l "JWT_SECRET\|DB_PASSWORD"`, without
// flagging placeholders like `JWT_SECRET=your-secret-key` in an example file).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::audit {

// Secrets copied from tutorials, templates and library READMEs ("secret", "changeme",
// "your-256-bit-secret", ...), compared case-insensitively.
const std::vector<std::string_view>& known_default_secrets();

// True when `value` is a known default, or reads like a template placeholder
// ("your_jwt_secret_here", "change-me-in-production", "<secret>", "${JWT_SECRET}").
bool is_placeholder(std::string_view value);

// Distinct characters in `value`: a 64-character secret of "a" repeated is not strong.
std::size_t distinct_characters(std::string_view value);

struct PasswordShape {
  std::size_t length = 0;
  bool lower = false, upper = false, digit = false, symbol = false;
  // The manual's "strong password": 16+ characters, mixed case, numbers and symbols.
  bool strong() const { return length >= 16 && lower && upper && digit && symbol; }
  // "12 chars, lower+digit" for evidence, never the password itself.
  std::string describe() const;
};
PasswordShape password_shape(std::string_view password);

// The password inside a postgres:// URL's user info, if any (percent-decoded).
std::string url_password(const std::string& url);

struct SecretHit {
  std::size_t line = 0;   // 1-based
  std::string what;       // "JWT_SECRET assignment", "PEM private key", ...
};

// Lines of `text` that carry a real-looking secret: an assignment to a secret-named key with a
// value that is not empty, a reference or a placeholder; a PEM private key; a 64-hex-digit
// value next to the word "key".
std::vector<SecretHit> find_secrets(std::string_view text);

}  // namespace bscbot::core::audit
