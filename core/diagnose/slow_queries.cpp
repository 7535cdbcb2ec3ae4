// The manual's slow queries (S3 "slow queries increasing", SlowDatabaseQueries, "check slow
// queries + consider indexing", `grep "Query took" logs/api-server.log`): the slowest logged
// queries, how SQLite plans each of their statements on the live database and on the schema
// as the migrations define it, and the index that is missing when the two differ.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "core/checks/daemon_checks.hpp"
#include "core/db/diagnostics.hpp"
#include "core/db/store.hpp"
#include "core/diagnose/checks.hpp"

namespace bscbot::core::diagnose {

namespace {

struct Slow {
  std::string name;
  std::int64_t count = 0;
  double max_ms = 0;
  double total_ms = 0;
  std::string last_at;
};

bool scans(const std::string& plan_row) {
  // "SCAN trades" reads every row; "SCAN trades USING INDEX x" walks an index in order.
  return plan_row.rfind("SCAN ", 0) == 0 && plan_row.find(" USING ") == std::string::npos;
}

// The index a plan row uses: "SEARCH trades USING INDEX idx_x (a>?)" -> "idx_x".
std::string index_in(const std::string& plan_row) {
  static const std::regex used(R"(USING (?:COVERING )?INDEX (\S+))");
  std::smatch m;
  return std::regex_search(plan_row, m, used) ? m[1].str() : std::string();
}

// PostgreSQL: the schema's indexes against the live ones (a missing one named with its CREATE
// INDEX), and the tables read by sequential scans, which is where a missing index shows. The
// plans themselves are left to EXPLAIN in psql: our statements are prepared with parameters.
void diagnose_pg_indexes(const Context& c, bool slow_logged, std::vector<Finding>& out) {
  std::unique_ptr<db::Store> store;
  std::vector<db::IndexInfo> live;
  std::vector<db::PgTableScans> scans;
  try {
    store = db::open_store(c.cfg, db::Access::read_only);
    live = db::pg_indexes(*store);
    scans = db::pg_table_scans(*store);
  } catch (const std::exception& e) {
    out.push_back({Status::unknown, std::string("the database cannot be read to compare its indexes: ") + e.what(), {}, "bscbot diagnose database"});
    return;
  }
  int missing = 0;
  for (const auto& want : db::expected_pg_indexes()) {
    if (std::any_of(live.begin(), live.end(), [&](const db::IndexInfo& l) { return l.name == want.name; })) continue;
    ++missing;
    std::vector<std::string> evidence = {want.sql};
    for (const auto& t : scans) {
      if (t.table == want.table && t.seq_scans > 0) {
        evidence.push_back(fmt::format("{}: {} sequential scan(s) read {} rows since the statistics were reset ({} index scans; about {} rows)", t.table,
                                       t.seq_scans, t.seq_rows_read, t.index_scans, t.rows));
      }
    }
    out.push_back({Status::warn, fmt::format("index {} of the schema is missing on {}", want.name, want.table), evidence,
                   fmt::format("psql \"$DATABASE_URL\" -c \"{};\" (as the migrations define it), then `bscbot db analyze`", want.sql)});
  }
  if (missing == 0) out.push_back({Status::ok, fmt::format("all {} indexes of the schema are present", db::expected_pg_indexes().size()), {}, ""});
  if (slow_logged) {
    std::vector<std::string> evidence;
    for (const auto& t : scans) {
      if (t.seq_scans > 0) evidence.push_back(fmt::format("{}: {} sequential scan(s), {} rows read; {} index scan(s)", t.table, t.seq_scans, t.seq_rows_read, t.index_scans));
    }
    out.push_back({Status::unknown, "the slow statements' plans: read them with EXPLAIN on the server", evidence,
                   "in psql: EXPLAIN (ANALYZE, BUFFERS) the slow statement; pg_stat_statements ranks them by time"});
  }
}

}  // namespace

std::vector<Finding> diagnose_slow_queries(const Context& c) {
  std::vector<Finding> out;
  const checks::Levels p95{c.cfg.number("DB_QUERY_P95_WARN_MS"), c.cfg.number("DB_QUERY_P95_CRIT_MS")};
  const checks::CheckResult daemon_p95 = checks::check_query_p95(c.daemon, p95);
  out.push_back({daemon_p95.status, fmt::format("database query P95 since bscbotd started: {} ({})", daemon_p95.value, daemon_p95.threshold),
                 {daemon_p95.detail}, daemon_p95.status == Status::warn || daemon_p95.status == Status::crit ? "see the slow queries below" : ""});

  static const std::regex line_re(R"(^(\S+ \S+) .*Slow query (\S+): Query took ([0-9.]+)ms)");
  std::map<std::string, Slow> slow;
  for (const auto& line : log_lines_since(c.cfg, c.now - c.options.window)) {
    std::smatch m;
    if (!std::regex_search(line, m, line_re)) continue;
    Slow& s = slow[m[2].str()];
    s.name = m[2].str();
    const double ms = std::stod(m[3].str());
    ++s.count;
    s.max_ms = std::max(s.max_ms, ms);
    s.total_ms += ms;
    s.last_at = m[1].str();
  }
  std::vector<const Slow*> ranked;
  for (const auto& [n, s] : slow) ranked.push_back(&s);
  std::stable_sort(ranked.begin(), ranked.end(), [](const Slow* a, const Slow* b) { return a->max_ms > b->max_ms; });

  if (ranked.empty()) {
    out.push_back({Status::ok,
                   fmt::format("no query took {} ms or more in the last {} h (SLOW_QUERY_MS)", c.cfg.integer("SLOW_QUERY_MS"), c.options.window.count()),
                   {fmt::format("searched {} for \"Query took\"", c.cfg.log_file().string())}, ""});
  } else {
    std::vector<std::string> evidence;
    for (const Slow* s : ranked) {
      evidence.push_back(fmt::format("{}: {} time(s), slowest {} ms, average {} ms, last at {}", s->name, s->count, checks::number_text(s->max_ms, 3),
                                     checks::number_text(s->total_ms / static_cast<double>(s->count), 3), s->last_at));
    }
    out.push_back({Status::warn,
                   fmt::format("{} kind(s) of query logged as slow (\"Query took\", SLOW_QUERY_MS={}) in the last {} h; slowest: {} ({} ms)",
                               ranked.size(), c.cfg.integer("SLOW_QUERY_MS"), c.options.window.count(), ranked.front()->name,
                               checks::number_text(ranked.front()->max_ms, 3)),
                   evidence, "the plans below show which statement scans; `bscbot db analyze` refreshes the planner's statistics"});
  }

  if (db::configured_backend(c.cfg) != db::Backend::sqlite) {
    diagnose_pg_indexes(c, !ranked.empty(), out);
    return out;
  }
  std::unique_ptr<db::QueryPlans> plans;
  try {
    plans = std::make_unique<db::QueryPlans>(c.cfg.db_path());
  } catch (const std::exception& e) {
    out.push_back({Status::unknown, std::string("the database cannot be opened to explain queries: ") + e.what(), {}, "bscbot diagnose database"});
    return out;
  }
  const auto live_idx = plans->live_indexes();
  std::map<std::string, db::IndexInfo> missing;
  for (const auto& i : plans->expected_indexes()) {
    if (std::none_of(live_idx.begin(), live_idx.end(), [&](const db::IndexInfo& l) { return l.name == i.name; })) missing[i.name] = i;
  }

  std::map<std::string, std::vector<std::string>> explained_by_index;  // missing index -> queries it would serve
  for (std::size_t n = 0; n < ranked.size() && n < c.options.slowest; ++n) {
    const Slow& s = *ranked[n];
    const auto statements = db::statements_of(s.name);
    if (statements.empty()) {
      // Maintenance (db.vacuum, schema.migrate) is slow by nature and has no plan to read.
      const bool maintenance = s.name.rfind("db.", 0) == 0 || s.name.rfind("schema.", 0) == 0;
      out.push_back({maintenance ? Status::ok : Status::unknown,
                     s.name + (maintenance ? ": maintenance, not a query with a plan" : ": no statement known for this query name"), {},
                     ""});
      continue;
    }
    Finding f{Status::ok, fmt::format("{}: uses the schema's indexes", s.name), {}, ""};
    for (const auto& sql : statements) {
      const auto plan = plans->live_plan(sql);
      const auto ideal = plans->expected_plan(sql);
      f.evidence.push_back("SQL: " + sql);
      for (const auto& row : plan) f.evidence.push_back("plan: " + row);
      const bool live_scans = std::any_of(plan.begin(), plan.end(), scans);
      for (const auto& row : ideal) {
        const std::string index = index_in(row);
        if (!index.empty() && missing.count(index) && live_scans) {
          f.status = Status::warn;
          f.title = fmt::format("{}: scans the table because index {} is missing", s.name, index);
          f.fix = fmt::format("sqlite3 {} \"{};\" (as the migrations define it), then `bscbot db analyze`", c.cfg.db_path().string(), missing[index].sql);
          explained_by_index[index].push_back(s.name);
        }
      }
      if (f.status == Status::ok && live_scans) {
        f.title = fmt::format("{}: reads every row (a full scan); no schema index serves it", s.name);
        f.status = Status::warn;
        f.fix = "narrow the query (a shorter window, a LIMIT) or `bscbot db cleanup --older-than 90d` to keep the table small";
      }
    }
    out.push_back(std::move(f));
  }
  for (const auto& [name, index] : missing) {
    if (explained_by_index.count(name)) continue;
    out.push_back({Status::warn, fmt::format("index {} of the schema is missing", name), {index.sql},
                   fmt::format("sqlite3 {} \"{};\"", c.cfg.db_path().string(), index.sql)});
  }
  if (missing.empty()) {
    out.push_back({Status::ok, fmt::format("all {} indexes of the schema are present", live_idx.size()), {}, ""});
  }
  return out;
}

}  // namespace bscbot::core::diagnose
