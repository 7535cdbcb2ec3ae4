#pragma once
// A throwaway PostgreSQL 15 server for a test process, from Debian's postgresql-15: initdb into a
// scratch folder, started on a free loopback port with its socket in that folder (as the
// `postgres` user when the suite runs as root, since PostgreSQL refuses root), stopped when the
// process exits. fsync is off (the tests never crash the machine), but every commit is written
// before it returns (synchronous_commit stays on), so `pg_ctl stop -m immediate`, the tests'
// crash, loses nothing that was committed, as on a real server.
//
// BSCBOT_TEST_DB=pg runs the black-box suites on PostgreSQL: test::init() then gives each
// deployment a fresh database (see harness.hpp).
#include <filesystem>
#include <string>

namespace bscbot::test {

class PgServer {
public:
  // The process's server, started on first use; throws std::runtime_error with initdb's or
  // pg_ctl's output when it cannot start.
  static PgServer& shared();

  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return m_port; }

  // A new empty database owned by the unprivileged role `bscbot`; returns its URL
  // (postgresql://bscbot:PASSWORD@127.0.0.1:PORT/NAME).
  std::string create_database(const std::string& hint);

  // The URL of database `name` for the superuser (for setting up what a test needs).
  std::string superuser_url(const std::string& name = "postgres") const;

  // Runs `sql` with psql against `url` (-X -q -t -A, ON_ERROR_STOP); returns its output with
  // the last newline removed; throws std::runtime_error with psql's error.
  std::string psql(const std::string& url, const std::string& sql) const;

  // A crash (`pg_ctl stop -m immediate`) and a start on the same port and data.
  void crash();
  void start();

private:
  PgServer();
  std::string run_as_owner(const std::string& command) const;

  std::filesystem::path m_dir;
  int m_port = 0;
  int m_databases = 0;
};

// True when BSCBOT_TEST_DB=pg: the black-box suites run on PostgreSQL.
bool testing_pg();

}  // namespace bscbot::test
