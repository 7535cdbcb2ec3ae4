#pragma once
// bscbotd's request path without the sockets: the real configuration, database (a scratch
// SQLite file, migrated, with a few trades), router, routes and token check, built once per
// fuzz process. Chain access is off (CHAIN_ENABLED=false), as on a daemon without a node, so
// quote and swap requests stop at "unavailable" after their parameters have been read.
#include <memory>
#include <string>

#include "core/auth/token.hpp"
#include "daemon/http/message.hpp"
#include "daemon/http/router.hpp"

namespace bscbot::fuzz {

// The JWT_SECRET of the fixture; fuzz/corpus holds tokens signed with it.
inline constexpr const char* k_jwt_secret = "fuzz-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

class DaemonFixture {
public:
  // The one fixture of this process.
  static DaemonFixture& get();

  // A token for `role`, signed with k_jwt_secret now and valid for a day.
  std::string token(core::auth::Role role) const;

  // MAX_REQUEST_BYTES of the fixture's configuration.
  std::uint64_t max_request_bytes() const;

  // Answers `message` as HttpSession does after reading it: a malformed URL gets 400, a /ws
  // upgrade the viewer token check, anything else the router; `loopback` stands for the peer.
  // The answer is then serialised as the server would write it.
  daemon::http::Response serve(const daemon::http::BeastRequest& message, bool loopback);

  ~DaemonFixture();

private:
  DaemonFixture();
  struct Parts;
  std::unique_ptr<Parts> m_parts;
};

}  // namespace bscbot::fuzz
