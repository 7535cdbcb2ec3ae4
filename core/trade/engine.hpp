#pragma once
// The trade engine: swap requests are validated and recorded as pending, queued, and sent one
// at a time by a sender thread that owns the trading key's nonces: approve the router when the
// allowance is short, quote through the router, derive amountOutMin, gas price and deadline,
// sign (EIP-155), write the hash before broadcasting, then poll the receipt and finalise the
// trade as completed or failed with the reason. A monitor thread keeps the chain status and the
// price cache fresh, so request threads never wait on the chain for /api/health.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/chain/signer.hpp"
#include "core/config/config.hpp"
#include "core/db/trade.hpp"
#include "core/db/store.hpp"
#include "core/trade/nonce_manager.hpp"
#include "core/trade/pancake.hpp"
#include "core/trade/price_cache.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::trade {

// A side of a swap: BNB itself (routed through WBNB) or an ERC-20 token.
struct Token {
  bool native = false;
  chain::Address address;  // the token, or WBNB for BNB
};

// Parses "BNB" (any case), "WBNB" or a 0x address; the WBNB address counts as BNB, so a swap
// to or from it pays out or takes native BNB. Throws core::Error(usage).
Token parse_token(std::string_view text, const chain::Address& wbnb);

// "BNB" or the lower-case address.
std::string token_label(const Token& token);

struct EngineSettings {
  std::vector<std::string> rpc_urls;
  chain::RpcOptions rpc;
  std::uint64_t chain_id = 56;
  Contracts contracts;
  std::int64_t default_slippage_bps = 50;
  std::int64_t default_deadline_seconds = 1200;
  std::uint64_t default_gas_limit = 500000;
  bool estimate_gas = false;
  std::int64_t gas_multiplier_bps = 10000;
  std::chrono::milliseconds receipt_timeout{120000};
  std::chrono::milliseconds receipt_poll{500};
  std::chrono::milliseconds monitor_interval{2000};
  int queue_max = 1000;
  PriceCacheOptions price_cache;

  // Reads the chain, trading and cache settings; throws core::Error(config).
  static EngineSettings from_config(const config::Config& cfg);
};

// What a client asks for. Exactly one of `amount` (token units, e.g. "0.5") and `amount_wei`.
struct SwapRequest {
  std::string from;
  std::string to;
  std::optional<std::string> amount;
  std::optional<std::string> amount_wei;
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline_seconds;
  std::optional<std::string> amount_out_min;  // a floor the client agreed to (wei)
};

// A quote, and with a dry run, what the wallet holds for it.
struct Quote {
  Token from;
  Token to;
  std::vector<chain::Address> path;
  U256 amount_in;
  U256 amount_out;
  U256 amount_out_min;
  unsigned decimals_in = 18;
  unsigned decimals_out = 18;
  std::int64_t slippage_bps = 0;
  std::int64_t deadline_seconds = 0;
  U256 node_gas_price;
  U256 gas_price;
  std::uint64_t gas_limit = 0;
  bool gas_estimated = false;
  std::optional<double> mid_price;         // `to` per `from`, in token units, from cached reserves
  std::optional<double> price_impact_pct;  // including the pool fee
  bool prices_stale = false;
  std::string price_note;                  // why mid price is missing or stale
  std::optional<chain::Address> wallet;
  std::optional<U256> balance_in;          // dry run: what the wallet holds of `from`
  std::optional<U256> bnb_balance;
  std::optional<bool> needs_approval;
  std::vector<std::string> problems;       // dry run: what would make the swap fail
};

nlohmann::json to_json(const Quote& quote);

enum class ChainState { connecting, ok, unavailable, refused };
std::string_view to_string(ChainState state);

struct EngineStatus {
  ChainState state = ChainState::connecting;
  std::string detail;
  std::optional<std::uint64_t> chain_id;
  std::optional<std::uint64_t> block_number;
  std::optional<std::int64_t> block_timestamp;   // unix seconds of the head block
  std::optional<SystemTime> checked_at;          // last successful monitor poll
  std::vector<chain::EndpointStatus> endpoints;  // of the sender's client
  std::optional<std::string> wallet;
  std::optional<std::uint64_t> next_nonce;
  int queue_length = 0;
  bool accepting_swaps = false;
  std::optional<double> last_quote_to_send_ms;
};

enum class LogLevel { debug, info, warn, error };

struct EngineHooks {
  std::function<void(LogLevel, const std::string&)> log;
  std::function<void(const db::Trade&)> on_trade;           // every status change
  std::function<void(const PairPrice&)> on_price;           // fresh reserves
  PriceCache::OnLookup on_price_lookup;                     // HIT / MISS
  std::function<void(int)> on_queue_length;
  std::function<void(std::chrono::microseconds)> on_sent;   // quote-to-send latency
};

// Whether a quote also checks the wallet (balance, allowance), as a dry run does.
enum class CheckWallet { no, yes };

class TradeEngine {
public:
  TradeEngine(EngineSettings settings, db::Store& store, std::optional<chain::PrivateKey> key, EngineHooks hooks,
              std::shared_ptr<chain::RpcTransport> transport = chain::make_curl_transport(), const Clock& clock = system_clock());
  ~TradeEngine();
  TradeEngine(const TradeEngine&) = delete;
  TradeEngine& operator=(const TradeEngine&) = delete;

  // Starts the sender and monitor threads; the sender first checks the node's chain id,
  // reconciles pending trades, and takes the nonce.
  void start();
  // Stops both threads; a trade waiting for its receipt stays pending for the next start.
  void stop();

  // Quotes `request` through the router (and checks the wallet when asked). Throws
  // core::Error: usage for bad input, data for a path without liquidity, unavailable for RPC.
  Quote quote(const SwapRequest& request, CheckWallet check);

  // Validates and records a swap as pending and queues it; returns the new trade row.
  db::Trade submit(const SwapRequest& request);

  // Cancels a queued trade (failed, "cancelled by operator"); throws core::Error(conflict)
  // naming why when it is being sent or already sent, not_found when there is no such trade.
  db::Trade cancel(std::int64_t id);

  // eth_gasPrice now, and what a swap would pay with GAS_PRICE_MULTIPLIER applied.
  std::pair<U256, U256> gas_price();

  // A snapshot for /api/health; no RPC.
  EngineStatus status() const;

  const EngineSettings& settings() const { return m_settings; }
  std::size_t price_cache_size() const { return m_prices.size(); }
  std::optional<chain::Address> wallet() const { return m_wallet; }

private:
  struct Item {
    std::int64_t id = 0;
    Token from;
    Token to;
    U256 amount_in;
    std::int64_t slippage_bps = 0;
    std::int64_t deadline_seconds = 0;
    std::optional<U256> amount_out_min;
  };
  struct Plan {
    std::vector<chain::Address> path;
    U256 amount_out;
    U256 amount_out_min;
  };
  enum class Wait { mined, timed_out, stopping };

  void log(LogLevel level, const std::string& message) const;
  void run_sender();
  void run_monitor();
  bool sleep_for(std::chrono::milliseconds d);  // false when stopping
  bool connect();
  void reconcile();
  void process(const Item& item);
  void approve(const Token& token, const U256& amount, const U256& gas_price);
  void await_and_finalise(std::int64_t id, const chain::Bytes32& hash);
  Wait await_receipt(const chain::Bytes32& hash, std::chrono::milliseconds timeout, std::optional<chain::Receipt>& out);
  void finalise(std::int64_t id, const chain::Receipt& receipt);
  bool node_knows(const chain::Bytes32& hash);
  // After a refused broadcast: whether the node has the transaction anyway (an earlier,
  // retried attempt reached it), so its nonce must not be given back.
  bool known_after_refusal(const chain::Bytes32& hash);
  std::optional<std::string> replay_reason(const chain::Bytes32& hash, std::uint64_t block);
  std::uint64_t pending_count();

  Item validate(const SwapRequest& request);
  unsigned decimals_of(const Token& token, const Pancake& pancake);
  std::vector<chain::Address> choose_path(const Token& from, const Token& to, const Pancake& pancake) const;
  Plan plan(const Item& item, const Pancake& pancake) const;
  U256 swap_gas_price(const chain::Eth& eth) const;
  void fail_trade(std::int64_t id, const std::string& reason, const std::optional<db::TradeReceipt>& receipt, db::KeepTxHash keep);
  void publish(std::int64_t id);
  void publish_queue_length();
  void set_state(ChainState state, std::string detail);

  EngineSettings m_settings;
  db::Store& m_store;
  std::optional<chain::PrivateKey> m_key;
  std::optional<chain::Address> m_wallet;
  EngineHooks m_hooks;
  const Clock& m_clock;

  chain::RpcClient m_send_rpc;   // sender thread only
  chain::Eth m_send_eth;
  Pancake m_send_pancake;
  chain::RpcClient m_read_rpc;   // request threads and the monitor
  chain::Eth m_read_eth;
  Pancake m_read_pancake;
  PriceCache m_prices;

  std::vector<db::Trade> m_leftovers;  // pending at start(), for the sender to reconcile
  std::unique_ptr<DbNonceStore> m_nonce_store;
  std::unique_ptr<NonceManager> m_nonces;

  mutable std::mutex m_mutex;  // guards everything below
  std::condition_variable m_cv;
  std::deque<Item> m_queue;
  std::optional<std::int64_t> m_current;
  std::map<std::string, unsigned> m_decimals;
  EngineStatus m_status;
  bool m_stopping = false;

  std::thread m_sender;
  std::thread m_monitor;
};

}  // namespace bscbot::core::trade
