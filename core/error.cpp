#include "core/error.hpp"

namespace bscbot::core {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return 64;        // EX_USAGE
    case ErrorKind::data: return 65;         // EX_DATAERR
    case ErrorKind::not_found: return 66;    // EX_NOINPUT
    case ErrorKind::unavailable: return 69;  // EX_UNAVAILABLE
    case ErrorKind::internal: return 70;     // EX_SOFTWARE
    case ErrorKind::database: return 74;     // EX_IOERR
    case ErrorKind::io: return 74;           // EX_IOERR
    case ErrorKind::conflict: return 75;     // EX_TEMPFAIL
    case ErrorKind::config: return 78;       // EX_CONFIG
  }
  return 1;
}

int http_status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::data: return 400;
    case ErrorKind::not_found: return 404;
    case ErrorKind::conflict: return 409;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::config:
    case ErrorKind::database:
    case ErrorKind::io:
    case ErrorKind::internal: return 500;
  }
  return 500;
}

}  // namespace bscbot::core
