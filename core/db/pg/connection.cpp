#include "core/db/pg/connection.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/db/pg_url.hpp"
#include "core/error.hpp"

namespace bscbot::core::db::pg {

namespace {

std::string one_line(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Connection-level SQLSTATEs: the session is gone (class 08, or the server shutting down).
bool lost_connection_state(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

std::int64_t to_int(std::string_view text) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw Error(ErrorKind::data, fmt::format("PostgreSQL returned '{}' where a whole number was expected", text));
  }
  return v;
}

}  // namespace

std::string describe_url(const std::string& url) { return describe_pg_url(url); }

Param Param::of(double v) { return {fmt::format("{}", v)}; }

Param Param::of(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  if (us < 0) us += 1000000;
  return {fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, us)};
}

std::int64_t Result::integer(int row, int col) const { return to_int(text(row, col)); }

double Result::number(int row, int col) const { return std::stod(std::string(text(row, col))); }

SystemTime Result::time(int row, int col) const {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(integer(row, col))));
}

std::optional<std::string> Result::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(text(row, col));
}

std::optional<std::int64_t> Result::opt_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return integer(row, col);
}

std::optional<SystemTime> Result::opt_time(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return time(row, col);
}

Wei Result::wei(int row, int col, std::string_view what) const { return Wei::require(text(row, col), what); }

std::optional<Wei> Result::opt_wei(int row, int col, std::string_view what) const {
  if (is_null(row, col)) return std::nullopt;
  return wei(row, col, what);
}

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(m_r.get());
  return n && *n ? to_int(n) : 0;
}

DbState Failure::state() const {
  if (connection_lost) return DbState::unreachable;
  if (sqlstate == "55P03" || sqlstate == "40P01") return DbState::locked;     // lock_not_available, deadlock
  if (sqlstate == "25006" || sqlstate == "42501") return DbState::readonly;   // read-only transaction (a standby), no privilege
  if (sqlstate == "53100") return DbState::disk_full;
  return DbState::error;
}

Connection::Connection(const ConnectSettings& s) {
  const std::string timeout = std::to_string(std::max<long long>(2, (s.connect_timeout.count() + 999) / 1000));
  const std::string options = fmt::format("-c statement_timeout={} -c lock_timeout={} -c TimeZone=UTC -c client_min_messages=warning", s.statement_timeout.count(),
                                          s.lock_timeout.count());
  // A dead server is noticed within seconds, not after the kernel's TCP timeout.
  const std::string user_timeout = std::to_string(std::max<long long>(1000, s.connect_timeout.count()));
  // DB_PASSWORD comes before the URL, so a password written in the URL wins.
  std::vector<const char*> keys, values;
  if (!s.password.empty()) {
    keys.push_back("password");
    values.push_back(s.password.c_str());
  }
  for (const auto& [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"dbname", s.url.c_str()},
           {"connect_timeout", timeout.c_str()},
           {"application_name", s.application_name.c_str()},
           {"options", options.c_str()},
           {"keepalives", "1"},
           {"keepalives_idle", "10"},
           {"keepalives_interval", "5"},
           {"keepalives_count", "3"},
           {"tcp_user_timeout", user_timeout.c_str()}}) {
    keys.push_back(k);
    values.push_back(v);
  }
  // A later dbname overrides the one inside the expanded URL.
  if (!s.dbname.empty()) {
    keys.push_back("dbname");
    values.push_back(s.dbname.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  m_conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (!m_conn || PQstatus(m_conn) != CONNECTION_OK) {
    const std::string why = m_conn ? one_line(PQerrorMessage(m_conn)) : "out of memory";
    if (m_conn) PQfinish(m_conn);
    m_conn = nullptr;
    throw Error(ErrorKind::unavailable, fmt::format("cannot connect to PostgreSQL {}: {}", describe_url(s.url), why));
  }
}

Connection::~Connection() {
  if (m_conn) PQfinish(m_conn);
}

std::string Connection::conninfo_without_password() const {
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfo(m_conn), &PQconninfoFree);
  std::string out;
  for (const PQconninfoOption* o = options.get(); o && o->keyword; ++o) {
    const std::string_view key = o->keyword;
    // Session settings (timeouts, TimeZone) are ours, not the tools'.
    if (!o->val || !*o->val || key == "password" || key == "options" || key == "application_name") continue;
    std::string value;
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    out += fmt::format("{}{}='{}'", out.empty() ? "" : " ", key, value);
  }
  return out;
}

std::string Connection::password() const {
  const char* p = PQpass(m_conn);
  return p ? p : "";
}

Result Connection::check(PGresult* r) {
  const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return Result(r);
  Failure f;
  if (r) {
    if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) f.sqlstate = state;
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    f.message = one_line(primary ? primary : PQresultErrorMessage(r));
    PQclear(r);
  }
  if (f.message.empty()) f.message = one_line(PQerrorMessage(m_conn));
  f.connection_lost = PQstatus(m_conn) != CONNECTION_OK || lost_connection_state(f.sqlstate);
  if (f.connection_lost && f.message.empty()) f.message = "the connection to the server was lost";
  throw FailureError(std::move(f));
}

Result Connection::exec(std::string_view sql, const std::vector<Param>& params) {
  auto it = m_prepared.find(std::string(sql));
  if (it == m_prepared.end()) {
    const std::string name = "bscbot_" + std::to_string(m_prepared.size() + 1);
    check(PQprepare(m_conn, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    it = m_prepared.emplace(std::string(sql), name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  return check(PQexecPrepared(m_conn, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
}

Result Connection::run(const std::string& sql) { return check(PQexec(m_conn, sql.c_str())); }

std::string epoch_us(std::string_view column) { return fmt::format("(EXTRACT(EPOCH FROM {}) * 1000000)::bigint", column); }

}  // namespace bscbot::core::db::pg
