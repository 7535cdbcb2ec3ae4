#pragma once
// One SQLite connection of the SQLite store, with its statements prepared once and kept: the
// daemon's hot queries (history, health) are parsed and planned once per pooled connection,
// not once per request.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/db/probe.hpp"
#include "core/db/store.hpp"

namespace bscbot::core::db::sqlite {

class Connection {
public:
  Connection(const std::filesystem::path& path, Access access, int busy_timeout_ms);

  SQLite::Database& db() { return *m_db; }

  // A statement for `sql`, prepared on first use and reused after, reset and with its bindings
  // cleared when `Statement` goes away.
  class Statement {
  public:
    explicit Statement(SQLite::Statement& q) : m_q(q) {}
    ~Statement() {
      try {
        m_q.reset();
        m_q.clearBindings();
      } catch (const SQLite::Exception&) {
        // A failed reset repeats the statement's own error, which the caller already saw.
      }
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    SQLite::Statement* operator->() { return &m_q; }
    SQLite::Statement& operator*() { return m_q; }

  private:
    SQLite::Statement& m_q;
  };
  Statement prepared(std::string_view sql);

private:
  std::unique_ptr<SQLite::Database> m_db;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> m_statements;
};

// What a failed SQLite call means for the caller.
DbState classify(const SQLite::Exception& e);

// Whether a connection that raised `e` should be dropped instead of reused.
bool breaks_connection(const SQLite::Exception& e);

}  // namespace bscbot::core::db::sqlite
