#pragma once
// What a PostgreSQL connection URL (DATABASE_URL) says, read without libpq: where it points and
// how it protects the connection, for messages and the audit.
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::db {

struct PgUrl {
  std::string user;
  std::vector<std::string> hosts;  // empty: the local Unix socket
  std::string port;
  std::string dbname;
  std::optional<std::string> sslmode;
  bool has_password = false;
};

// True when `target` is a postgresql:// (or postgres://) URL rather than a SQLite file path.
bool is_pg_url(const std::string& target);

// Parses postgresql://[user[:password]@][host[:port][,...]][/dbname][?params], or a key=value
// connection string.
PgUrl parse_pg_url(const std::string& url);

// "postgresql://user@host:port/dbname": where the data lives, for messages, without the
// password or any parameter.
std::string describe_pg_url(const std::string& url);

// True when every host is this machine (loopback or the Unix socket).
bool pg_url_is_local(const PgUrl& url);

}  // namespace bscbot::core::db
