#pragma once
// The daemon's memory of the tokens whose signature it has checked. A client sends the same
// bearer token with every request, and checking its HMAC and parsing its JSON each time cost about
// a tenth of a history request (bench/README.md). Only what does not depend on the time is
// remembered (well-formed, HS256, the signature, the claims): exp, nbf and iat are judged again at
// every use, so a token is refused the second it expires. A refused token is never remembered, and
// a new JWT_SECRET forgets every token signed with the old one.
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/auth/token.hpp"

namespace bscbot::core::auth {

class TokenCache {
 public:
  explicit TokenCache(std::size_t capacity = 256) : m_capacity(capacity) {}

  // verify_token(secret, token, clock), with the signature checked once per token.
  Verdict verify(std::string_view secret, std::string_view token, const Clock& clock = system_clock());

 private:
  std::size_t m_capacity;
  std::mutex m_mutex;
  std::string m_secret;  // the tokens below were signed with it
  std::unordered_map<std::string, SignedToken> m_tokens;
};

}  // namespace bscbot::core::auth
