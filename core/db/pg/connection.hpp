#pragma once
// One PostgreSQL connection of the PostgreSQL store (libpq): statements prepared once per
// connection and kept, parameters always bound as values (never spliced into SQL), session
// settings (UTC, statement and lock timeouts) applied at connect.
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/db/probe.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::db::pg {

struct ConnectSettings {
  std::string url;                          // DATABASE_URL (libpq URI or key=value string)
  std::string password;                     // DB_PASSWORD, used when the URL has none
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::milliseconds lock_timeout{5000};
  std::string application_name = "bscbot";
  std::string dbname;                       // another database on the same server (restores), else the URL's
};

// "postgresql://user@host:port/dbname": where the data lives, for messages, without the
// password or any parameter.
std::string describe_url(const std::string& url);

// One bound parameter: text in PostgreSQL's input syntax, or NULL.
struct Param {
  std::optional<std::string> text;
  static Param null() { return {}; }
  static Param of(std::string v) { return {std::move(v)}; }
  static Param of(std::string_view v) { return {std::string(v)}; }
  static Param of(const char* v) { return {std::string(v)}; }
  static Param of(std::int64_t v) { return {std::to_string(v)}; }
  static Param of(int v) { return {std::to_string(v)}; }
  static Param of(double v);
  static Param of(const Wei& v) { return {v.decimal()}; }
  static Param of(SystemTime t);            // ISO 8601 with microseconds and 'Z'
  template <typename T>
  static Param of(const std::optional<T>& v) {
    return v ? of(*v) : null();
  }
};

// A query's result rows, as text.
class Result {
public:
  explicit Result(PGresult* r) : m_r(r, &PQclear) {}
  int rows() const { return PQntuples(m_r.get()); }
  int columns() const { return PQnfields(m_r.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(m_r.get(), row, col) != 0; }
  std::string_view text(int row, int col) const { return {PQgetvalue(m_r.get(), row, col), static_cast<std::size_t>(PQgetlength(m_r.get(), row, col))}; }
  std::int64_t integer(int row, int col) const;
  double number(int row, int col) const;
  // A column selected as microseconds since the epoch (see pg::k_epoch_us).
  SystemTime time(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  std::optional<std::int64_t> opt_integer(int row, int col) const;
  std::optional<SystemTime> opt_time(int row, int col) const;
  std::optional<Wei> opt_wei(int row, int col, std::string_view what) const;
  Wei wei(int row, int col, std::string_view what) const;
  // Rows a command changed (UPDATE, DELETE, INSERT).
  std::int64_t affected() const;

private:
  std::unique_ptr<PGresult, decltype(&PQclear)> m_r;
};

// A failed statement or connection, with PostgreSQL's SQLSTATE.
struct Failure {
  std::string sqlstate;   // e.g. "55P03"; empty when the connection itself failed
  std::string message;    // the server's (or libpq's) words, one line
  bool connection_lost = false;
  DbState state() const;  // what it means for the write probe
};

class Connection {
public:
  // Connects; throws core::Error(unavailable) naming the database and libpq's reason.
  explicit Connection(const ConnectSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (prepared on first use on this connection) with `params`; throws FailureError.
  Result exec(std::string_view sql, const std::vector<Param>& params = {});
  // Runs one or more statements without parameters (migrations, VACUUM, BEGIN/COMMIT).
  Result run(const std::string& sql);

  bool healthy() const { return PQstatus(m_conn) == CONNECTION_OK; }

  // The parameters this session was opened with (host, port, user, dbname, sslmode, ...), without
  // the password, as a libpq key=value string for PostgreSQL's own tools, and the password apart
  // (for their environment, never their command line).
  std::string conninfo_without_password() const;
  std::string password() const;

private:
  Result check(PGresult* r);

  PGconn* m_conn = nullptr;
  std::unordered_map<std::string, std::string> m_prepared;  // SQL -> statement name
};

// Thrown by Connection; the store turns it into core::Error.
class FailureError : public std::exception {
public:
  explicit FailureError(Failure f) : m_failure(std::move(f)) {}
  const Failure& failure() const { return m_failure; }
  const char* what() const noexcept override { return m_failure.message.c_str(); }

private:
  Failure m_failure;
};

// Selects a timestamptz column as integer microseconds since the epoch, which Result::time()
// reads exactly whatever the session's DateStyle.
std::string epoch_us(std::string_view column);

}  // namespace bscbot::core::db::pg
