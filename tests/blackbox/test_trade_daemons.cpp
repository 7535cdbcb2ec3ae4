// Several bscbotd on one PostgreSQL database (issue 14): both serve and accept swaps, one at a
// time sends for the wallet (its lease), and when that one is SIGKILLed the other takes the
// wallet over, reconciles what was in flight and goes on. After 20 such kills every trade has
// ended, each nonce the wallet used on chain belongs to exactly one transaction we recorded, no
// trade was sent at two nonces, and no transaction was recorded (so broadcast) twice.
#include <fmt/format.h>

#include <fstream>
#include <random>
#include <set>

#include "tests/blackbox/trade_fixture.hpp"
#include "tests/support/postgres.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::auth::Role;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The wallet as a daemon's /api/health shows it to a reader (a loopback probe is one).
json wallet_of(const test::Daemon& d) {
  const auto h = d.get("/api/health");
  const json body = json::parse(h.body, nullptr, false);
  if (body.is_discarded() || !body.contains("chain") || !body["chain"].contains("wallets") || body["chain"]["wallets"].empty()) return nullptr;
  return body["chain"]["wallets"][0];
}

bool sending(const test::Daemon& d) {
  const json w = wallet_of(d);
  return w.is_object() && w["sending"] == true;
}

std::string database_url(const fs::path& dotenv) {
  std::ifstream in(dotenv);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("DATABASE_URL=", 0) == 0) return line.substr(13);
  }
  return "";
}

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: two bscbotd on one PostgreSQL database: the sender SIGKILLed 20 times while swaps flow, the other takes over each time, nothing is lost or sent twice") {
  if (!test::testing_pg()) {
    MESSAGE("several daemons share a PostgreSQL database: this runs in blackbox_trade_pg");
    return;
  }
  TradeFixture f("trade-two-daemons", {{"WALLET_LEASE_TTL_S", "3"}, {"TRADE_STUCK_AFTER_S", "5"}});
  const fs::path a_dir = f.scratch.path();
  const std::string url = database_url(a_dir / ".env");
  REQUIRE_MESSAGE(!url.empty(), "the fixture's deployment has no DATABASE_URL");
  const fs::path b_dir = f.scratch / "second";
  fs::create_directories(b_dir);
  fs::copy_file(a_dir / ".env", b_dir / ".env");
  auto b_env = f.env;
  b_env["DB_CLIENT"] = "pg";
  b_env["DATABASE_URL"] = url;
  test::Daemon& a = f.daemon;
  test::Daemon b(b_dir, b_env);
  a.start();
  b.start();
  test::Daemon* daemons[2] = {&a, &b};
  const auto log_of = [&](const test::Daemon& d) { return test::read_text(d.dir() / "logs" / "api-server.log"); };
  const auto owner = [&]() -> test::Daemon* {
    test::Daemon* found = nullptr;
    test::eventually([&] {
      for (test::Daemon* d : daemons) {
        if (d->running() && sending(*d)) found = d;
      }
      return found != nullptr;
    }, std::chrono::milliseconds(30000));
    return found;
  };

  std::vector<std::int64_t> ids;
  std::mt19937 rng(20261202);  // the same pauses on every run; what they hit still varies
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    test::Daemon* sender = owner();
    REQUIRE_MESSAGE(sender != nullptr, "no daemon took the wallet; logs:\n" << log_of(a) << "\n---\n" << log_of(b));
    test::Daemon* other = sender == &a ? &b : &a;
    // Swaps through both daemons: the one that does not send queues them for the one that does.
    for (int i = 0; i < 3; ++i) {
      test::Daemon& via = *daemons[(round + i) % 2];
      const auto r = test::call(via, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                                {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.01"}});
      REQUIRE_MESSAGE(r.status == 202, r.body);
      ids.push_back(json::parse(r.body)["trade"]["id"].get<std::int64_t>());
    }
    // Odd rounds kill the sender with its swaps in the pool (automine off until the takeover),
    // even rounds at a moment drawn from the seeded pauses.
    const bool in_pool = round % 2 == 1;
    if (in_pool) {
      f.automine(false);
      test::eventually([&] {
        const auto t = f.row(ids.back());
        return t && t->tx_hash.has_value();
      });
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng)));
    }
    sender->kill_now();
    const bool taken = test::eventually([&] { return sending(*other); }, std::chrono::milliseconds(30000));
    REQUIRE_MESSAGE(taken, "the surviving daemon did not take the wallet over; its log:\n" << log_of(*other));
    if (in_pool) {
      f.automine(true);
      f.mine();
    }
    sender->start();
  }

  // Every trade ends; the ones left in flight by the last kill are finished by the survivor.
  std::map<core::db::TradeStatus, int> by_status;
  std::vector<core::db::Trade> rows;
  for (const auto id : ids) {
    const auto t = f.final_row(id, std::chrono::milliseconds(60000));
    ++by_status[t.status];
    if (t.status != core::db::TradeStatus::completed) MESSAGE("trade " << id << " " << core::db::to_string(t.status) << ": " << t.error.value_or(""));
    rows.push_back(t);
  }
  MESSAGE(ids.size() << " swaps: " << by_status[core::db::TradeStatus::completed] << " completed, " << by_status[core::db::TradeStatus::failed]
                     << " failed");
  CHECK(by_status[core::db::TradeStatus::completed] + by_status[core::db::TradeStatus::failed] == static_cast<int>(ids.size()));
  CHECK(by_status[core::db::TradeStatus::completed] > 0);

  auto store = test::deployment_store(a_dir);
  // No transaction recorded twice, and no trade sent at two nonces.
  CHECK(store->query_rows("SELECT tx_hash FROM trade_transactions GROUP BY tx_hash HAVING COUNT(*) > 1").empty());
  CHECK(store->query_rows("SELECT trade_id FROM trade_transactions WHERE kind = 'swap' GROUP BY trade_id HAVING COUNT(DISTINCT nonce) > 1").empty());
  // Each nonce the wallet used on chain: exactly one recorded transaction mined there, and that
  // transaction is on chain at that nonce.
  const std::uint64_t used = f.eth.get_transaction_count(f.info().trader, core::chain::BlockTag::latest);
  const auto mined = store->query_rows("SELECT nonce, tx_hash, COALESCE(CAST(trade_id AS TEXT), ''), kind FROM trade_transactions WHERE state = 'mined' ORDER BY nonce");
  REQUIRE(mined.size() == used);
  std::set<std::string> mined_trades;
  for (std::size_t n = 0; n < mined.size(); ++n) {
    CAPTURE(n);
    CHECK(mined[n][0] == std::to_string(n));
    const json tx = f.rpc.call("eth_getTransactionByHash", json::array({mined[n][1]}));
    REQUIRE(tx.is_object());
    CHECK(std::stoull(tx["nonce"].get<std::string>(), nullptr, 16) == n);
    if (!mined[n][2].empty() && mined[n][3] == "swap") CHECK_MESSAGE(mined_trades.insert(mined[n][2]).second, "trade " << mined[n][2] << " mined twice");
  }
  // A completed trade's hash is the one mined for it.
  for (const auto& t : rows) {
    if (t.status != core::db::TradeStatus::completed) continue;
    CHECK(mined_trades.count(std::to_string(t.id)) == 1);
    test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
  }
  // What the takeovers found (the coverage of this run, not a pass condition).
  const std::string logs = log_of(a) + log_of(b);
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = logs.find(what); at != std::string::npos; at = logs.find(what, at + 1)) ++n;
    return n;
  };
  // Every grant of the lease raised its epoch: the start, and one takeover per kill at least.
  const auto epoch = store->query_rows("SELECT epoch FROM wallet_leases");
  REQUIRE(epoch.size() == 1);
  CHECK(std::stoll(epoch[0][0]) >= 21);
  // Info lines of the last second before a SIGKILL may be lost (the log flushes every second).
  MESSAGE("lease epoch " << epoch[0][0] << "; logged: reconciled from receipts " << count("from its receipt")
                        << ", followed in the pool " << count("still in the node's pool") << ", sent again " << count("sent again after a restart"));
}

}  // TEST_SUITE
