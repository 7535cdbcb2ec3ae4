#pragma once
// The one exception type core/ throws for failures a user can act on. Programs catch it at a
// single boundary (main() or the request dispatcher) and turn it into a one-line message and
// exit code, or a JSON error and HTTP status.
#include <stdexcept>
#include <string>

namespace bscbot::core {

enum class ErrorKind {
  usage,        // bad flag or argument
  config,       // bad setting or config file
  data,         // bad input data (a corrupt backup, an invalid amount)
  not_found,    // a named thing does not exist
  conflict,     // the operation clashes with current state (already running, file exists)
  unavailable,  // a service we depend on is down (daemon, RPC node)
  database,     // the database refused or failed
  io,           // the filesystem failed
  internal,     // our bug
};

class Error : public std::runtime_error {
public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
  ErrorKind kind() const { return m_kind; }

private:
  ErrorKind m_kind;
};

// sysexits.h codes, so scripts can tell a typo from an outage. Monitoring exit codes
// (0-3) are reserved for `health`-style verdicts.
int exit_code_for(ErrorKind kind);

// HTTP status for an error raised while serving a request.
int http_status_for(ErrorKind kind);

}  // namespace bscbot::core
