// bscbot-bench-queries: latency of the queries operators and the API run against `trades`, on a
// database bench/run generated. The wallet history and the API's newest-first page go through
// our repository (the daemon's code path); the manual's 24-hour business queries run verbatim.
// Each query runs until it has `--max` samples or has used its time budget (slow plans on big
// databases then still finish); prints one JSON object of p50/p95/max in milliseconds.
//   usage: bscbot-bench-queries DATABASE [--max N] [--budget-ms MS]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace db = bscbot::core::db;

struct Options {
  std::string path;
  int max_samples = 200;
  double budget_ms = 3000;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

nlohmann::json measure(const Options& o, const std::function<void()>& run) {
  run();  // warm the page cache and the statement path once, as a long-running daemon is
  std::vector<double> samples;
  const auto start = Clock::now();
  while (static_cast<int>(samples.size()) < o.max_samples) {
    const auto t0 = Clock::now();
    run();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    const double used = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (samples.size() >= 5 && used > o.budget_ms) break;
  }
  return {{"p50_ms", percentile(samples, 0.50)},
          {"p95_ms", percentile(samples, 0.95)},
          {"max_ms", percentile(samples, 1.0)},
          {"samples", samples.size()}};
}

// Runs a statement of the manual verbatim, reading every row as sqlite3 or psql would print it.
std::function<void()> verbatim(db::Store& store, const std::string& sql) {
  return [&store, sql] { (void)store.query_rows(sql); };
}

Options parse(int argc, char** argv) {
  if (argc < 2) throw std::runtime_error("usage: bscbot-bench-queries DATABASE [--max N] [--budget-ms MS]");
  Options o{argv[1]};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--max") o.max_samples = std::stoi(argv[i + 1]);
    else if (flag == "--budget-ms") o.budget_ms = std::stod(argv[i + 1]);
    else throw std::runtime_error("unknown option " + flag + "; use --max or --budget-ms");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  // A path is a SQLite file; a postgresql:// URL is a PostgreSQL database, queried in the
  // manual's PostgreSQL forms.
  const bool pg = o.path.rfind("postgres", 0) == 0;
  bscbot::core::config::LoadOptions load;
  load.overrides = pg ? std::map<std::string, std::string>{{"DB_CLIENT", "pg"}, {"DATABASE_URL", o.path}}
                      : std::map<std::string, std::string>{{"DB_PATH", o.path}};
  const auto cfg = bscbot::core::config::load(load);
  auto store = db::open_store(cfg, db::Access::read_only);
  db::TradeStore& repo = store->trades();

  // Wallets that exist, sampled at random per call, so the page cache sees a realistic spread.
  std::vector<std::string> wallets;
  for (const auto& row : store->query_rows("SELECT DISTINCT wallet_address FROM trades LIMIT 1000")) wallets.push_back(row.at(0));
  if (wallets.empty()) throw std::runtime_error(o.path + " has no trades; generate some first");
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, wallets.size() - 1);

  const std::string day = pg ? "created_at > NOW() - INTERVAL '1 day'" : "created_at > datetime('now', '-1 day')";
  const std::string gas = pg ? "AVG(gas_fee)" : "AVG(CAST(gas_fee AS REAL))";
  nlohmann::json out;
  out["wallet history (limit 20)"] = measure(o, [&] {
    db::HistoryQuery q;
    q.wallet = wallets[pick(rng)];
    (void)repo.history(q);
  });
  out["newest 20 (API history)"] = measure(o, [&] { (void)repo.history(db::HistoryQuery{}); });
  out["24h volume"] = measure(o, verbatim(*store, "SELECT COUNT(*) FROM trades WHERE " + day + ";"));
  out["24h success rate"] = measure(
      o, verbatim(*store, "SELECT (COUNT(CASE WHEN status='completed' THEN 1 END) * 100.0 / COUNT(*)) as success_rate FROM trades WHERE " +
                             day + ";"));
  out["24h average gas fee"] = measure(o, verbatim(*store, "SELECT " + gas + " FROM trades WHERE " + day + ";"));
  out["24h status breakdown"] =
      measure(o, verbatim(*store, "SELECT status, COUNT(*) FROM trades WHERE " + day + " GROUP BY status;"));
  std::cout << out.dump(2) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bscbot-bench-queries: " << e.what() << "\n";
  return 1;
}
