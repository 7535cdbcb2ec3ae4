#pragma once
// One wallet's sender, on a thread of its own: it holds the wallet's lease (the one daemon
// allowed to send for it), rebuilds its in-flight transactions from the database and the chain
// when it takes the lease, then keeps up to TRADE_MAX_IN_FLIGHT transactions in flight at
// consecutive nonces: it claims queued swaps, plans and sends them through the Broadcaster,
// follows every receipt in one batch per turn, settles what was mined, rebroadcasts and then
// replaces (GAS_BUMP_PCT) what is stuck, fills any nonce gap a drop leaves, and carries out the
// operator's cancel and speed-up requests.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/chain/eth.hpp"
#include "core/chain/signer.hpp"
#include "core/db/store.hpp"
#include "core/trade/broadcaster.hpp"
#include "core/trade/hooks.hpp"
#include "core/trade/nonce_lane.hpp"
#include "core/trade/quoter.hpp"
#include "core/trade/settings.hpp"
#include "core/trade/settlement.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::trade {

// What every wallet's sender shares, owned by the engine.
struct LaneContext {
  const EngineSettings& settings;
  db::Store& store;
  chain::Eth& read;    // receipts, nonces, balances, quotes: BSC_RPC_URLS
  chain::Eth& send;    // signed transactions: BSC_PRIVATE_RPC_URLS when set
  bool private_sends;
  Quoter& quoter;
  Settlement& settlement;
  const Clock& clock;
  const EngineHooks& hooks;
  std::string owner;                   // this daemon, as the leases name it
  std::function<bool()> chain_ready;   // the chain id was checked
  // Held while a trade's update is read and published: the engine holds it from a swap's insert
  // to its "queued" update, so no sender's later update of that trade can reach subscribers first.
  std::mutex& publish_gate;
};

struct WalletStatus {
  std::string address;                     // EIP-55
  bool sending = false;                    // this daemon holds the wallet's lease
  std::optional<std::int64_t> epoch;
  std::optional<std::uint64_t> next_nonce;
  int in_flight = 0;                       // nonces sent and not yet settled
  int claimed = 0;                         // claimed from the queue, not yet sent
  int stuck = 0;                           // in flight for longer than TRADE_STUCK_AFTER_S
  std::optional<double> oldest_in_flight_s;
  std::uint64_t rebroadcasts = 0;
  std::uint64_t replacements = 0;
  std::uint64_t fillers = 0;
  std::string last_error;
  std::optional<double> last_quote_to_send_ms;
};

class WalletLane {
public:
  WalletLane(LaneContext& ctx, chain::PrivateKey key);
  ~WalletLane();
  WalletLane(const WalletLane&) = delete;
  WalletLane& operator=(const WalletLane&) = delete;

  void start();
  // Stops the thread and gives the lease up; transactions in flight stay recorded for the next
  // sender (this daemon after a restart, or another one).
  void stop();
  // Something changed (a swap was queued, a request made): look now, not at the next poll.
  void wake();

  const chain::Address& address() const { return m_address; }
  WalletStatus status() const;

  // One turn of the sender (tests drive it directly): the lease, requests, new sends,
  // receipts, stuck transactions.
  void turn();

private:
  struct Slot {
    std::uint64_t nonce = 0;
    std::optional<std::int64_t> trade_id;
    db::TxKind kind = db::TxKind::swap;  // of its first transaction
    std::vector<db::TradeTx> txs;        // every transaction at this nonce, oldest first
    SystemTime last_sent;
    SystemTime first_sent;
    bool rebroadcast_since_bump = false;
    bool cancel_sent = false;
    bool at_max_logged = false;
    int past_chain = 0;                  // polls that saw the chain past this nonce without our receipt
  };

  void run();
  bool stopping() const;
  bool hold_lease();
  void lose_lease(const std::string& why);
  void reconcile();
  void handle_requests();
  void fill();
  enum class Sent { done, wait, retry_later };
  Sent send_swap(const db::Trade& row);
  void poll_receipts();
  void settle(Slot& slot, const db::TradeTx& mined, const chain::Receipt& receipt);
  void drop(Slot& slot, const std::string& detail);
  void handle_stuck();
  bool replace(Slot& slot, const std::string& why);
  bool cancel(Slot& slot);
  void fill_gap(std::uint64_t nonce);
  U256 swap_gas_price();
  void fail_unsent(std::int64_t trade_id, const Failure& failure);
  void publish(std::int64_t trade_id);
  void log(LogLevel level, const std::string& message) const;
  void add_slot(const SendOutcome& sent, const TxIntent& intent);
  Slot* slot_of_trade(std::int64_t trade_id);

  LaneContext& m_ctx;
  chain::PrivateKey m_key;
  chain::Address m_address;
  NonceLane m_nonces;
  Broadcaster m_broadcaster;

  // Sender thread only.
  std::optional<db::Fence> m_fence;
  bool m_reconciled = false;
  std::chrono::steady_clock::time_point m_renewed_at;
  std::chrono::steady_clock::time_point m_lease_tried_at;
  std::map<std::uint64_t, Slot> m_slots;
  std::deque<db::Trade> m_claimed;
  bool m_awaiting_approval = false;
  std::vector<std::uint64_t> m_gaps;  // nonces whose filler could not be sent yet
  std::optional<U256> m_turn_gas_price;

  mutable std::mutex m_mutex;  // guards m_status, m_stopping, m_woken
  std::condition_variable m_cv;
  WalletStatus m_status;
  bool m_stopping = false;
  bool m_woken = false;
  std::thread m_thread;
};

}  // namespace bscbot::core::trade
