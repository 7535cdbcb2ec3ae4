#pragma once
// The one rule for hiding secrets in text bscbot shows or writes: `config show` (text and
// --json), /api/health, the daemon's log, and error messages. A secret is the password of a
// URL's user info, an API key carried in a URL (a node provider's ".../v1/<key>"), the value of
// a secret-named query parameter or `NAME=value` pair, and the value of a setting the settings
// table marks secret. Every secret becomes "****"; the rest of the text is kept, so an operator
// still sees which host, path and parameter it was.
#include <string>
#include <string_view>

namespace bscbot::core::config {

// Whether `name` (a query parameter, a `NAME=value` key, a setting) holds a secret: a setting
// from the table by its `secret` flag, otherwise words such as password, token, secret, api_key
// and key, in any case.
bool is_secret_name(std::string_view name);

// `url` with its secrets masked: the whole password of its user info (colons and slashes
// included), a user info or path segment that reads like an API key (16+ letters and digits),
// and the values of secret-named query parameters.
std::string mask_url(std::string_view url);

// A request target ("/path?query"): the values of secret-named query parameters masked, the
// path kept (ids and transaction hashes in it are not secrets).
std::string mask_target(std::string_view target);

// Free text: every URL in it masked as mask_url does, secret `NAME=value` pairs masked, and
// "Bearer <token>" masked.
std::string mask_secrets(std::string_view text);

}  // namespace bscbot::core::config
