// The SQL behind each named query of the SQLite store, for `bscbot diagnose slow-queries`: the
// store's own Trades, Samples and State run every query once on a throwaway file of the
// expected schema, one connection traced by sqlite3_trace_v2, and each statement is credited
// to the query name the store reports next. Nothing is copied, so nothing can drift.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>

#include "core/db/diagnostics.hpp"
#include "core/db/sqlite/sqlite_store.hpp"
#include "core/db/sqlite/store_impl.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::db {

namespace {

struct Capture {
  std::vector<std::string> pending;                               // traced since the last query ended
  std::map<std::string, std::vector<std::string>, std::less<>> by_name;
};

int on_statement(unsigned type, void* context, void* statement, void*) {
  if (type == SQLITE_TRACE_STMT) {
    auto* c = static_cast<Capture*>(context);
    if (const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(statement))) {
      const std::string text(sql);
      // Transaction control is not the query.
      for (const char* skip : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"}) {
        if (text.rfind(skip, 0) == 0) return 0;
      }
      if (std::find(c->pending.begin(), c->pending.end(), text) == c->pending.end()) c->pending.push_back(text);
    }
  }
  return 0;
}

// Runs every query of the SQLite store once; arguments exercise each shape of its SQL.
void run_every_query(TradeStore& t, MetricStore& m, StateStore& s) {
  const std::string zero = "0x0000000000000000000000000000000000000000";
  const SystemTime epoch{};
  const SystemTime day = epoch + std::chrono::hours(24);
  auto attempt = [](auto&& f) {
    try {
      f();
    } catch (const std::exception&) {
      // A refusal (a constraint) still traced its statement first.
    }
  };
  attempt([&] { t.insert(NewTrade{zero, zero, zero, Wei(), zero, {}, {}, {}, {}, {}, {}, {}}); });
  attempt([&] { t.find(1); });
  attempt([&] { t.find_by_tx_hash("0x00"); });
  attempt([&] { t.history(HistoryQuery{}); });
  attempt([&] { t.history(HistoryQuery{20, zero, std::nullopt, std::nullopt}); });
  attempt([&] { t.history(HistoryQuery{20, std::nullopt, TradeStatus::failed, std::nullopt}); });
  attempt([&] { t.history(HistoryQuery{20, std::nullopt, std::nullopt, epoch}); });
  attempt([&] { t.stats(epoch); });
  attempt([&] { t.daily(epoch, day); });
  attempt([&] { t.hourly(epoch, day); });
  attempt([&] { t.volume_in(epoch); });
  attempt([&] { t.traded_pairs(100); });
  attempt([&] { t.suspicious(Wei(), 1); });
  attempt([&] { t.pending(); });
  attempt([&] { t.span(); });
  attempt([&] { t.mark_signed(0, SignedTrade{Wei(), Wei(), 0, 0, 0, Wei(), 0, 0, "0x00", zero}); });
  attempt([&] { t.complete(0, Wei(), TradeReceipt{0, Wei(), 0}); });
  attempt([&] { t.fail(0, "x", std::nullopt, KeepTxHash::no); });
  attempt([&] { t.delete_older_than(epoch, DryRun::yes); });
  attempt([&] { t.delete_older_than(epoch, DryRun::no); });
  attempt([&] { m.available(); });
  attempt([&] { m.record(epoch, {{"x", 0}}); });
  attempt([&] { m.prune_older_than(epoch); });
  attempt([&] { m.daily(epoch, day); });
  attempt([&] { m.first_since("x", epoch); });
  attempt([&] { m.latest("x"); });
  attempt([&] { m.series("x", epoch, 1); });
  attempt([&] { s.get("x"); });
  attempt([&] { s.set("x", "y"); });
}

std::map<std::string, std::vector<std::string>, std::less<>> capture_all() {
  static std::atomic<int> sequence{0};
  const fs::path dir = fs::temp_directory_path() / fmt::format("bscbot-statements-{}-{}", ::getpid(), sequence++);
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path file = dir / "schema.sqlite";
  Capture capture;
  try {
    sqlite::open_sqlite_store(file, Access::create, 0, pool_of(1, 1))->migrate();
    auto first = std::make_shared<std::unique_ptr<sqlite::Connection>>(std::make_unique<sqlite::Connection>(file, Access::read_write, 0));
    sqlite3_trace_v2((*first)->db().getHandle(), SQLITE_TRACE_STMT, on_statement, &capture);
    sqlite::SqlitePool pool(
        [first] {
          if (!*first) throw Error(ErrorKind::internal, "the traced connection was dropped");
          return std::move(*first);
        },
        1, 1, file.string());
    // The store names each query as it ends: what was traced since belongs to that name.
    sqlite::Runner run(pool, [&capture](std::string_view name, std::chrono::microseconds) {
      auto& into = capture.by_name[std::string(name)];
      for (auto& sql : capture.pending) {
        if (std::find(into.begin(), into.end(), sql) == into.end()) into.push_back(std::move(sql));
      }
      capture.pending.clear();
    });
    sqlite::Trades trades(run);
    sqlite::Samples samples(run);
    sqlite::State state(run);
    run_every_query(trades, samples, state);
  } catch (const std::exception&) {
    // A temp folder we cannot write: no statements, and diagnose says it knows none.
  }
  fs::remove_all(dir, ec);
  return capture.by_name;
}

const std::map<std::string, std::vector<std::string>, std::less<>>& statements() {
  static const auto all = capture_all();
  return all;
}

}  // namespace

std::vector<std::string> statements_of(std::string_view name) {
  const auto it = statements().find(name);
  return it == statements().end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> known_query_names() {
  std::vector<std::string> names;
  for (const auto& [name, sql] : statements()) {
    if (!sql.empty()) names.push_back(name);
  }
  return names;
}

}  // namespace bscbot::core::db
