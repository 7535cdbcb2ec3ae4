#include "core/trade/engine.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/chain/keccak.hpp"
#include "core/chain/transaction.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/trade/math.hpp"
#include "core/trade/outcome.hpp"

namespace bscbot::core::trade {

namespace {

using chain::Address;
using nlohmann::json;

constexpr std::uint64_t k_approve_gas_fallback = 100000;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Error texts that already name the runbook's reason keep it; anything else was not sent.
bool classified(const std::string& message) {
  for (const char* prefix : {"slippage:", "insufficient liquidity:", "insufficient balance:", "deadline expired:", "reverted:",
                             "dropped:", "not sent:", "cancelled by operator"}) {
    if (message.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string join_path(const std::vector<Address>& path) {
  std::string out;
  for (const Address& a : path) out += (out.empty() ? "" : ",") + a.to_hex();
  return out;
}

}  // namespace

Token parse_token(std::string_view text, const Address& wbnb) {
  const std::string l = lower(std::string(text));
  if (l == "bnb" || l == "wbnb") return Token{true, wbnb};
  const auto address = Address::try_parse(text);
  if (!address) {
    throw Error(ErrorKind::usage, fmt::format("token '{}' is neither BNB nor a 0x-prefixed 40-hex-digit address (mixed case must be a valid checksum)", text));
  }
  if (address->is_zero()) throw Error(ErrorKind::usage, "the zero address is not a token");
  if (*address == wbnb) return Token{true, wbnb};
  return Token{false, *address};
}

std::string token_label(const Token& token) { return token.native ? "BNB" : token.address.to_hex(); }

std::string_view to_string(ChainState state) {
  switch (state) {
    case ChainState::connecting: return "connecting";
    case ChainState::ok: return "ok";
    case ChainState::unavailable: return "unavailable";
    case ChainState::refused: return "refused";
  }
  return "unknown";
}

EngineSettings EngineSettings::from_config(const config::Config& cfg) {
  EngineSettings s;
  s.rpc_urls = cfg.rpc_urls();
  s.rpc.timeout = std::chrono::milliseconds(cfg.integer("RPC_TIMEOUT_MS"));
  s.rpc.retries = static_cast<int>(cfg.integer("RPC_RETRIES"));
  s.chain_id = static_cast<std::uint64_t>(cfg.integer("CHAIN_ID"));
  s.contracts.router = Address::parse(cfg.text("ROUTER_ADDRESS"));
  s.contracts.factory = Address::parse(cfg.text("FACTORY_ADDRESS"));
  s.contracts.wbnb = Address::parse(cfg.text("WBNB_ADDRESS"));
  try {
    s.default_slippage_bps = parse_slippage_bps(cfg.text("DEFAULT_SLIPPAGE"));
  } catch (const Error& e) {
    throw Error(ErrorKind::config, fmt::format("DEFAULT_SLIPPAGE (from {}): {}", cfg.source("DEFAULT_SLIPPAGE").describe(), e.what()));
  }
  s.default_deadline_seconds = cfg.integer("DEFAULT_DEADLINE_SECONDS");
  s.default_gas_limit = static_cast<std::uint64_t>(cfg.integer("DEFAULT_GAS_LIMIT"));
  s.estimate_gas = cfg.boolean("ESTIMATE_GAS");
  s.gas_multiplier_bps = parse_multiplier_bps(cfg.text("GAS_PRICE_MULTIPLIER"));
  s.receipt_timeout = std::chrono::milliseconds(cfg.integer("RECEIPT_TIMEOUT_MS"));
  s.receipt_poll = std::chrono::milliseconds(cfg.integer("RECEIPT_POLL_MS"));
  s.queue_max = static_cast<int>(cfg.integer("TRADE_QUEUE_MAX"));
  s.price_cache.ttl = std::chrono::milliseconds(cfg.integer("PRICE_CACHE_TTL_MS"));
  s.price_cache.max_requests = static_cast<int>(cfg.integer("PRICE_CACHE_MAX_REQUESTS"));
  s.price_cache.window = std::chrono::milliseconds(cfg.integer("PRICE_CACHE_WINDOW_MS"));
  return s;
}

json to_json(const Quote& q) {
  json path = json::array();
  for (const Address& a : q.path) path.push_back(a.to_hex());
  json j = {
      {"from", token_label(q.from)},
      {"to", token_label(q.to)},
      {"path", path},
      {"amount_in", to_decimal(q.amount_in)},
      {"amount_in_units", format_units(q.amount_in, q.decimals_in)},
      {"amount_out", to_decimal(q.amount_out)},
      {"amount_out_units", format_units(q.amount_out, q.decimals_out)},
      {"amount_out_min", to_decimal(q.amount_out_min)},
      {"amount_out_min_units", format_units(q.amount_out_min, q.decimals_out)},
      {"decimals_in", q.decimals_in},
      {"decimals_out", q.decimals_out},
      {"slippage_bps", q.slippage_bps},
      {"deadline_seconds", q.deadline_seconds},
      {"node_gas_price", to_decimal(q.node_gas_price)},
      {"gas_price", to_decimal(q.gas_price)},
      {"gas_limit", q.gas_limit},
      {"gas_estimated", q.gas_estimated},
      {"max_gas_fee", to_decimal(gas_fee(q.gas_limit, q.gas_price))},
      {"mid_price", q.mid_price ? json(*q.mid_price) : json(nullptr)},
      {"price_impact_pct", q.price_impact_pct ? json(*q.price_impact_pct) : json(nullptr)},
      {"prices_stale", q.prices_stale},
  };
  if (!q.price_note.empty()) j["price_note"] = q.price_note;
  if (q.wallet) {
    j["wallet"] = q.wallet->to_hex();
    if (q.balance_in) j["balance_in"] = to_decimal(*q.balance_in);
    if (q.bnb_balance) j["bnb_balance"] = to_decimal(*q.bnb_balance);
    if (q.needs_approval) j["needs_approval"] = *q.needs_approval;
    j["problems"] = q.problems;
  }
  return j;
}

TradeEngine::TradeEngine(EngineSettings settings, db::Store& store, std::optional<chain::PrivateKey> key, EngineHooks hooks,
                         std::shared_ptr<chain::RpcTransport> transport, const Clock& clock)
    : m_settings(std::move(settings)),
      m_store(store),
      m_key(std::move(key)),
      m_hooks(std::move(hooks)),
      m_clock(clock),
      m_send_rpc(m_settings.rpc_urls, m_settings.rpc, transport, clock),
      m_send_eth(m_send_rpc),
      m_send_pancake(m_send_eth, m_settings.contracts),
      m_read_rpc(m_settings.rpc_urls, m_settings.rpc, transport, clock),
      m_read_eth(m_read_rpc),
      m_read_pancake(m_read_eth, m_settings.contracts),
      m_prices(
          m_settings.price_cache, [this](const Address& a, const Address& b) { return m_read_pancake.get_pair(a, b); },
          [this](const Address& pair) { return m_read_pancake.get_reserves(pair); }, clock,
          [this](bool hit, bool stale, const std::string& what) {
            if (m_hooks.on_price_lookup) m_hooks.on_price_lookup(hit, stale, what);
          }) {
  if (m_key) {
    m_wallet = m_key->address();
    m_nonce_store = std::make_unique<DbNonceStore>(m_store.state(), m_wallet->to_hex());
    m_nonces = std::make_unique<NonceManager>(*m_nonce_store);
  }
  m_status.wallet = m_wallet ? std::optional<std::string>(m_wallet->to_checksum()) : std::nullopt;
  m_status.accepting_swaps = m_key.has_value();
  m_status.detail = "connecting to the node";
}

TradeEngine::~TradeEngine() { stop(); }

void TradeEngine::log(LogLevel level, const std::string& message) const {
  if (m_hooks.log) m_hooks.log(level, message);
}

void TradeEngine::start() {
  // The trades left pending by an earlier run, read before any new swap can be submitted, so a
  // swap queued while the sender reconciles is never mistaken for a leftover.
  m_leftovers = m_store.trades().pending();
  m_sender = std::thread([this] { run_sender(); });
  m_monitor = std::thread([this] { run_monitor(); });
}

void TradeEngine::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_sender.joinable()) m_sender.join();
  if (m_monitor.joinable()) m_monitor.join();
}

bool TradeEngine::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(m_mutex);
  return !m_cv.wait_for(lock, d, [this] { return m_stopping; });
}

void TradeEngine::set_state(ChainState state, std::string detail) {
  std::lock_guard lock(m_mutex);
  m_status.state = state;
  m_status.detail = std::move(detail);
  if (state == ChainState::refused) m_status.accepting_swaps = false;
}

EngineStatus TradeEngine::status() const {
  EngineStatus s;
  {
    std::lock_guard lock(m_mutex);
    s = m_status;
    s.queue_length = static_cast<int>(m_queue.size()) + (m_current ? 1 : 0);
  }
  s.endpoints = m_send_rpc.endpoints();
  if (m_nonces && m_nonces->started()) s.next_nonce = m_nonces->next();
  return s;
}

void TradeEngine::publish(std::int64_t id) {
  if (!m_hooks.on_trade) return;
  try {
    if (auto t = m_store.trades().find(id)) m_hooks.on_trade(*t);
  } catch (const std::exception& e) {
    log(LogLevel::warn, fmt::format("Trade {}: cannot publish its update: {}", id, e.what()));
  }
}

void TradeEngine::publish_queue_length() {
  int n = 0;
  {
    std::lock_guard lock(m_mutex);
    n = static_cast<int>(m_queue.size()) + (m_current ? 1 : 0);
  }
  if (m_hooks.on_queue_length) m_hooks.on_queue_length(n);
}

void TradeEngine::fail_trade(std::int64_t id, const std::string& reason, const std::optional<db::TradeReceipt>& receipt,
                             db::KeepTxHash keep) {
  const std::string text = classified(reason) ? reason : "not sent: " + reason;
  if (m_store.trades().fail(id, text, receipt, keep)) {
    log(LogLevel::warn, fmt::format("Trade {} failed: {}", id, text));
  }
}

// --- the monitor: chain head and prices, so /api/health and the WebSocket never wait on RPC ---

void TradeEngine::run_monitor() {
  auto last_prices = std::chrono::steady_clock::now();
  do {
    try {
      const json block = m_read_rpc.call("eth_getBlockByNumber", json::array({"latest", false}));
      if (!block.is_object()) throw Error(ErrorKind::data, "eth_getBlockByNumber returned no block");
      const auto number = chain::parse_quantity_u64(block.value("number", "0x0"));
      const auto timestamp = chain::parse_quantity_u64(block.value("timestamp", "0x0"));
      std::lock_guard lock(m_mutex);
      m_status.block_number = number;
      m_status.block_timestamp = static_cast<std::int64_t>(timestamp);
      m_status.checked_at = m_clock.now();
      if (m_status.state == ChainState::unavailable) {
        m_status.state = m_status.chain_id ? ChainState::ok : ChainState::connecting;
        m_status.detail = m_status.chain_id ? "" : "connecting to the node";
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(m_mutex);
      if (m_status.state != ChainState::refused) {
        m_status.state = ChainState::unavailable;
        m_status.detail = e.what();
      }
    }
    if (std::chrono::steady_clock::now() - last_prices >= m_settings.price_cache.ttl) {
      last_prices = std::chrono::steady_clock::now();
      try {
        for (const PairPrice& p : m_prices.refresh_expired()) {
          if (m_hooks.on_price) m_hooks.on_price(p);
        }
      } catch (const std::exception& e) {
        log(LogLevel::warn, fmt::format("Price cache refresh failed: {}", e.what()));
      }
    }
  } while (sleep_for(m_settings.monitor_interval));
}

// --- the sender: the one thread that signs, so nonces are handed out in order ---

bool TradeEngine::connect() {
  while (true) {
    try {
      const std::uint64_t id = m_send_eth.chain_id();
      if (id != m_settings.chain_id) {
        const std::string why = fmt::format("the node reports chain id {} but CHAIN_ID is {}; no swap will be signed", id,
                                            m_settings.chain_id);
        set_state(ChainState::refused, why);
        log(LogLevel::error, why);
        return false;
      }
      {
        std::lock_guard lock(m_mutex);
        m_status.chain_id = id;
        m_status.state = ChainState::ok;
        m_status.detail.clear();
      }
      log(LogLevel::info, fmt::format("Chain connected: chain id {}{}", id,
                                      m_wallet ? ", trading wallet " + m_wallet->to_checksum() : std::string(", no trading key: quotes only")));
      return true;
    } catch (const std::exception& e) {
      set_state(ChainState::unavailable, e.what());
      log(LogLevel::warn, fmt::format("Chain not reachable yet: {}", e.what()));
    }
    if (!sleep_for(std::chrono::milliseconds(2000))) return false;
  }
}

std::uint64_t TradeEngine::pending_count() { return m_send_eth.get_transaction_count(*m_wallet, chain::BlockTag::pending); }

bool TradeEngine::node_knows(const chain::Bytes32& hash) {
  return !m_send_rpc.call("eth_getTransactionByHash", json::array({chain::to_hex(hash)})).is_null();
}

void TradeEngine::run_sender() {
  // Connect and reconcile until both succeed: a node outage at start-up delays trading, it does
  // not end it. Queued swaps wait meanwhile.
  while (true) {
    if (!connect()) {
      std::lock_guard lock(m_mutex);
      if (m_stopping) return;
      break;
    }
    if (!m_key) return;
    try {
      reconcile();
      break;
    } catch (const std::exception& e) {
      set_state(ChainState::unavailable, e.what());
      log(LogLevel::error, fmt::format("Reconciling pending trades failed: {}; retrying", e.what()));
      if (!sleep_for(std::chrono::milliseconds(2000))) return;
    }
  }
  if (status().state == ChainState::refused) {
    // A refused chain: queued swaps will never be sent.
    std::deque<Item> left;
    {
      std::lock_guard lock(m_mutex);
      left.swap(m_queue);
    }
    for (const Item& item : left) {
      fail_trade(item.id, "not sent: " + status().detail, std::nullopt, db::KeepTxHash::no);
      publish(item.id);
    }
    publish_queue_length();
    return;
  }
  while (true) {
    Item item;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return;
      item = m_queue.front();
      m_queue.pop_front();
      m_current = item.id;
    }
    publish_queue_length();
    try {
      process(item);
    } catch (const std::exception& e) {
      log(LogLevel::error, fmt::format("Trade {}: {}", item.id, e.what()));
    }
    {
      std::lock_guard lock(m_mutex);
      m_current.reset();
    }
    publish(item.id);
    publish_queue_length();
  }
}

void TradeEngine::reconcile() {
  std::vector<std::pair<std::int64_t, chain::Bytes32>> in_flight;
  for (const db::Trade& leftover : m_leftovers) {
    const std::optional<db::Trade> current = m_store.trades().find(leftover.id);
    if (!current || current->status != db::TradeStatus::pending) continue;  // finalised by an earlier attempt
    const db::Trade& t = *current;
    if (!t.tx_hash) {
      fail_trade(t.id, "not sent: the daemon restarted before sending it", std::nullopt, db::KeepTxHash::no);
      publish(t.id);
      continue;
    }
    const chain::Bytes32 hash = chain::bytes32_from_hex(*t.tx_hash);
    if (auto receipt = m_send_eth.get_transaction_receipt(hash)) {
      log(LogLevel::info, fmt::format("Trade {}: reconciling tx {} from its receipt (block {})", t.id, *t.tx_hash, receipt->block_number));
      finalise(t.id, *receipt);
    } else if (node_knows(hash)) {
      log(LogLevel::info, fmt::format("Trade {}: tx {} is still in the node's pool; waiting for it", t.id, *t.tx_hash));
      in_flight.emplace_back(t.id, hash);
    } else {
      fail_trade(t.id, "dropped: not mined and unknown to the node after a restart", std::nullopt, db::KeepTxHash::yes);
      publish(t.id);
    }
  }
  const NonceStart start = m_nonces->start(pending_count(), in_flight.empty() ? InFlight::no : InFlight::yes);
  if (start.gap_closed) {
    log(LogLevel::warn, fmt::format("Nonces from {} to {} were reserved but never reached the chain; continuing at {}", start.next,
                                    *start.stored - 1, start.next));
  }
  log(LogLevel::info, fmt::format("Next nonce {} (stored {}, {} trade(s) in flight)", start.next,
                                  start.stored ? std::to_string(*start.stored) : "none", in_flight.size()));
  for (const auto& [id, hash] : in_flight) {
    {
      std::lock_guard lock(m_mutex);
      m_current = id;
    }
    await_and_finalise(id, hash);
    {
      std::lock_guard lock(m_mutex);
      m_current.reset();
    }
    publish(id);
  }
}

TradeEngine::Wait TradeEngine::await_receipt(const chain::Bytes32& hash, std::chrono::milliseconds timeout,
                                             std::optional<chain::Receipt>& out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    try {
      if ((out = m_send_eth.get_transaction_receipt(hash))) return Wait::mined;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::unavailable) throw;
      log(LogLevel::warn, fmt::format("Receipt poll for {} failed: {}", chain::to_hex(hash), e.what()));
    }
    if (std::chrono::steady_clock::now() >= deadline) return Wait::timed_out;
    if (!sleep_for(m_settings.receipt_poll)) return Wait::stopping;
  }
}

void TradeEngine::await_and_finalise(std::int64_t id, const chain::Bytes32& hash) {
  while (true) {
    std::optional<chain::Receipt> receipt;
    const Wait w = await_receipt(hash, m_settings.receipt_timeout, receipt);
    if (w == Wait::stopping) return;  // stays pending; reconciled at the next start
    if (w == Wait::mined) {
      finalise(id, *receipt);
      return;
    }
    bool known = true;
    try {
      known = node_knows(hash);
    } catch (const Error& e) {
      log(LogLevel::warn, fmt::format("Trade {}: cannot ask the node about tx {}: {}", id, chain::to_hex(hash), e.what()));
      continue;
    }
    if (!known) {
      fail_trade(id, fmt::format("dropped: not mined within {} s and not in the node's pool", m_settings.receipt_timeout.count() / 1000),
                 std::nullopt, db::KeepTxHash::yes);
      try {
        m_nonces->resync(pending_count());
      } catch (const std::exception& e) {
        log(LogLevel::error, fmt::format("Cannot resync the nonce after a dropped transaction: {}", e.what()));
      }
      return;
    }
    log(LogLevel::warn, fmt::format("Trade {}: tx {} still not mined after {} s; still waiting", id, chain::to_hex(hash),
                                    m_settings.receipt_timeout.count() / 1000));
  }
}

bool TradeEngine::known_after_refusal(const chain::Bytes32& hash) {
  try {
    return node_knows(hash) || m_send_eth.get_transaction_receipt(hash).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> TradeEngine::replay_reason(const chain::Bytes32& hash, std::uint64_t block) {
  try {
    const json tx = m_send_rpc.call("eth_getTransactionByHash", json::array({chain::to_hex(hash)}));
    if (!tx.is_object()) return std::nullopt;
    json call = {{"from", tx.value("from", "")}, {"to", tx.value("to", "")}, {"data", tx.value("input", "0x")},
                 {"value", tx.value("value", "0x0")}, {"gas", tx.value("gas", "0x0")}};
    m_send_rpc.call("eth_call", json::array({call, chain::to_quantity(block)}));
    return std::nullopt;
  } catch (const chain::RpcError& e) {
    if (e.is_revert()) return revert_reason(e);
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void TradeEngine::finalise(std::int64_t id, const chain::Receipt& receipt) {
  const std::optional<db::Trade> trade = m_store.trades().find(id);
  if (!trade) return;
  const U256 price = receipt.effective_gas_price ? *receipt.effective_gas_price : trade->gas_price.value_or(Wei()).value();
  db::TradeReceipt r;
  r.gas_used = static_cast<std::int64_t>(receipt.gas_used);
  r.gas_fee = Wei(gas_fee(receipt.gas_used, price));
  r.block_number = static_cast<std::int64_t>(receipt.block_number);
  if (!receipt.status) {
    const auto reason = replay_reason(receipt.transaction_hash, receipt.block_number);
    fail_trade(id, classify_revert(reason), r, db::KeepTxHash::yes);
    return;
  }
  const Address wbnb = m_settings.contracts.wbnb;
  const Address token_out = Address::parse(trade->token_out);
  const Address wallet = Address::parse(trade->wallet_address);
  // A mined, successful swap is completed even when its logs cannot be read: leaving it pending
  // would make every reconcile at start-up fail on the same receipt.
  std::optional<U256> received;
  try {
    received = amount_received(receipt, token_out, wallet, token_out == wbnb, wbnb, m_settings.contracts.router);
    if (!received) {
      log(LogLevel::error, fmt::format("Trade {}: tx {} succeeded but its receipt shows no payment to {}; recorded amount_out 0", id,
                                       *trade->tx_hash, wallet.to_hex()));
    }
  } catch (const Error& e) {
    log(LogLevel::error, fmt::format("Trade {}: tx {} succeeded but its receipt cannot be read ({}); recorded amount_out 0", id,
                                     *trade->tx_hash, e.what()));
  }
  const Wei amount_out(received.value_or(0));
  if (m_store.trades().complete(id, amount_out, r)) {
    log(LogLevel::info, fmt::format("Trade {} completed: {} wei of {} for {} wei of {} in block {}, gas {} ({} wei)", id,
                                    amount_out.decimal(), trade->token_out, trade->amount_in.decimal(), trade->token_in,
                                    receipt.block_number, receipt.gas_used, r.gas_fee.decimal()));
  }
}

// --- quoting and sending ---

unsigned TradeEngine::decimals_of(const Token& token, const Pancake& pancake) {
  if (token.native) return 18;
  const std::string key = token.address.to_hex();
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_decimals.find(key); it != m_decimals.end()) return it->second;
  }
  const unsigned d = pancake.decimals(token.address);
  std::lock_guard lock(m_mutex);
  m_decimals[key] = d;
  return d;
}

TradeEngine::Item TradeEngine::validate(const SwapRequest& request) {
  Item item;
  item.from = parse_token(request.from, m_settings.contracts.wbnb);
  item.to = parse_token(request.to, m_settings.contracts.wbnb);
  if (item.from.address == item.to.address) throw Error(ErrorKind::usage, "from and to are the same token");
  if (request.amount.has_value() == request.amount_wei.has_value()) {
    throw Error(ErrorKind::usage, "give exactly one of amount (token units, e.g. 0.5) and amount_wei");
  }
  if (request.amount_wei) {
    item.amount_in = require_wei(*request.amount_wei, "amount_wei");
  } else {
    const unsigned decimals = decimals_of(item.from, m_read_pancake);
    const auto units = parse_units(*request.amount, decimals);
    if (!units) {
      throw Error(ErrorKind::usage, fmt::format("amount '{}' is not a positive decimal with at most {} places", *request.amount, decimals));
    }
    item.amount_in = *units;
  }
  if (item.amount_in == 0) throw Error(ErrorKind::usage, "amount must be greater than zero");
  item.slippage_bps = request.slippage_bps.value_or(m_settings.default_slippage_bps);
  if (item.slippage_bps < 0 || item.slippage_bps > 5000) throw Error(ErrorKind::usage, "slippage must be from 0 to 50 percent");
  item.deadline_seconds = request.deadline_seconds.value_or(m_settings.default_deadline_seconds);
  if (item.deadline_seconds < 10 || item.deadline_seconds > 86400) {
    throw Error(ErrorKind::usage, "deadline must be from 10 seconds to 1 day");
  }
  if (request.amount_out_min) item.amount_out_min = require_wei(*request.amount_out_min, "amount_out_min");
  return item;
}

std::vector<Address> TradeEngine::choose_path(const Token& from, const Token& to, const Pancake& pancake) const {
  const Address wbnb = m_settings.contracts.wbnb;
  if (from.native || to.native || !pancake.get_pair(from.address, to.address).is_zero()) return {from.address, to.address};
  if (!pancake.get_pair(from.address, wbnb).is_zero() && !pancake.get_pair(wbnb, to.address).is_zero()) {
    return {from.address, wbnb, to.address};
  }
  throw Error(ErrorKind::data, fmt::format("insufficient liquidity: no PancakeSwap pair for {} and {}, direct or through WBNB",
                                           from.address.to_hex(), to.address.to_hex()));
}

TradeEngine::Plan TradeEngine::plan(const Item& item, const Pancake& pancake) const {
  Plan p;
  p.path = choose_path(item.from, item.to, pancake);
  try {
    p.amount_out = pancake.get_amounts_out(item.amount_in, p.path).back();
  } catch (const chain::RpcError& e) {
    if (!e.is_revert()) throw;
    const auto reason = revert_reason(e);
    throw Error(ErrorKind::data, fmt::format("insufficient liquidity: the router cannot quote {} ({})", join_path(p.path),
                                             reason.value_or("reverted")));
  }
  if (p.amount_out == 0) throw Error(ErrorKind::data, "insufficient liquidity: the router quotes zero output");
  p.amount_out_min = min_amount_out(p.amount_out, item.slippage_bps);
  if (item.amount_out_min) {
    if (*item.amount_out_min > p.amount_out) {
      throw Error(ErrorKind::data, fmt::format("slippage: the router quotes {} but at least {} is required", to_decimal(p.amount_out),
                                               to_decimal(*item.amount_out_min)));
    }
    p.amount_out_min = std::max(p.amount_out_min, *item.amount_out_min);
  }
  return p;
}

U256 TradeEngine::swap_gas_price(const chain::Eth& eth) const { return apply_multiplier(eth.gas_price(), m_settings.gas_multiplier_bps); }

std::pair<U256, U256> TradeEngine::gas_price() {
  const U256 node = m_read_eth.gas_price();
  return {node, apply_multiplier(node, m_settings.gas_multiplier_bps)};
}

Quote TradeEngine::quote(const SwapRequest& request, CheckWallet check) {
  const Item item = validate(request);
  const Plan p = plan(item, m_read_pancake);
  Quote q;
  q.from = item.from;
  q.to = item.to;
  q.path = p.path;
  q.amount_in = item.amount_in;
  q.amount_out = p.amount_out;
  q.amount_out_min = p.amount_out_min;
  q.decimals_in = decimals_of(item.from, m_read_pancake);
  q.decimals_out = decimals_of(item.to, m_read_pancake);
  q.slippage_bps = item.slippage_bps;
  q.deadline_seconds = item.deadline_seconds;
  q.node_gas_price = m_read_eth.gas_price();
  q.gas_price = apply_multiplier(q.node_gas_price, m_settings.gas_multiplier_bps);
  q.gas_limit = m_settings.default_gas_limit;
  // The mid price from cached reserves, hop by hop: what the manual's price cache is for.
  try {
    double ratio = 1.0;
    bool stale = false;
    for (std::size_t i = 0; i + 1 < p.path.size(); ++i) {
      const PriceLookup look = m_prices.lookup(p.path[i], p.path[i + 1]);
      stale = stale || look.stale;
      const bool forward = look.price.token0 == p.path[i];
      const U256& r_in = forward ? look.price.reserve0 : look.price.reserve1;
      const U256& r_out = forward ? look.price.reserve1 : look.price.reserve0;
      if (r_in == 0) throw Error(ErrorKind::data, "empty reserves");
      ratio *= r_out.convert_to<double>() / r_in.convert_to<double>();
      if (!look.hit && !look.stale && m_hooks.on_price) m_hooks.on_price(look.price);
    }
    q.mid_price = ratio * std::pow(10.0, static_cast<double>(q.decimals_in) - static_cast<double>(q.decimals_out));
    const double ideal = q.amount_in.convert_to<double>() * ratio;
    if (ideal > 0) q.price_impact_pct = (1.0 - q.amount_out.convert_to<double>() / ideal) * 100.0;
    q.prices_stale = stale;
    if (stale) q.price_note = "mid price from reserves older than PRICE_CACHE_TTL_MS: the price request budget is spent";
  } catch (const Error& e) {
    q.price_note = e.what();
  }
  if (check == CheckWallet::yes) {
    if (!m_wallet) throw Error(ErrorKind::unavailable, "no trading key is configured (TRADING_KEY_FILE), so there is no wallet to check");
    q.wallet = m_wallet;
    q.bnb_balance = m_read_eth.get_balance(*m_wallet);
    const U256 max_fee = gas_fee(q.gas_limit, q.gas_price);
    if (item.from.native) {
      q.balance_in = q.bnb_balance;
      q.needs_approval = false;
      if (*q.bnb_balance < q.amount_in + max_fee) {
        q.problems.push_back(fmt::format("insufficient balance: {} wei of BNB held, {} needed with gas", to_decimal(*q.bnb_balance),
                                         to_decimal(q.amount_in + max_fee)));
      }
    } else {
      q.balance_in = m_read_pancake.balance_of(item.from.address, *m_wallet);
      q.needs_approval = m_read_pancake.allowance(item.from.address, *m_wallet, m_settings.contracts.router) < q.amount_in;
      if (*q.balance_in < q.amount_in) {
        q.problems.push_back(fmt::format("insufficient balance: {} held of {}, {} needed", to_decimal(*q.balance_in),
                                         item.from.address.to_hex(), to_decimal(q.amount_in)));
      }
      if (*q.bnb_balance < max_fee) q.problems.push_back("insufficient balance: not enough BNB for gas");
    }
  }
  return q;
}

db::Trade TradeEngine::submit(const SwapRequest& request) {
  if (!m_key) throw Error(ErrorKind::unavailable, "no trading key is configured (set TRADING_KEY_FILE); this daemon only quotes");
  {
    std::lock_guard lock(m_mutex);
    if (!m_status.accepting_swaps) throw Error(ErrorKind::unavailable, "swaps are refused: " + m_status.detail);
    if (static_cast<int>(m_queue.size()) >= m_settings.queue_max) {
      throw Error(ErrorKind::unavailable, fmt::format("the trade queue is full (TRADE_QUEUE_MAX={}); retry later", m_settings.queue_max));
    }
  }
  const Item validated = validate(request);
  db::NewTrade t;
  t.wallet_address = m_wallet->to_hex();
  t.token_in = validated.from.address.to_hex();
  t.token_out = validated.to.address.to_hex();
  t.amount_in = Wei(validated.amount_in);
  t.slippage_bps = validated.slippage_bps;
  t.chain_id = static_cast<std::int64_t>(m_settings.chain_id);
  if (validated.amount_out_min) t.amount_out_min = Wei(*validated.amount_out_min);
  Item item = validated;
  db::Trade row;
  item.id = m_store.trades().insert(t);
  row = *m_store.trades().find(item.id);
  // Announced before the sender can see it, so subscribers get "queued" before "signed".
  if (m_hooks.on_trade) m_hooks.on_trade(row);
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(item);
  }
  m_cv.notify_all();
  log(LogLevel::info, fmt::format("Trade {} queued: {} wei of {} for {} (slippage {} bps, deadline {} s)", item.id, t.amount_in.decimal(),
                                  token_label(item.from), token_label(item.to), item.slippage_bps, item.deadline_seconds));
  publish_queue_length();
  return row;
}

db::Trade TradeEngine::cancel(std::int64_t id) {
  bool removed = false;
  bool sending = false;
  {
    std::lock_guard lock(m_mutex);
    const auto it = std::find_if(m_queue.begin(), m_queue.end(), [&](const Item& i) { return i.id == id; });
    if (it != m_queue.end()) {
      m_queue.erase(it);
      removed = true;
    } else if (m_current == id) {
      sending = true;
    }
  }
  db::TradeStore& repo = m_store.trades();
  if (removed) {
    repo.fail(id, "cancelled by operator", std::nullopt, db::KeepTxHash::no);
    log(LogLevel::warn, fmt::format("Trade {} cancelled by operator", id));
    auto row = repo.find(id);
    if (row && m_hooks.on_trade) m_hooks.on_trade(*row);
    publish_queue_length();
    return *row;
  }
  const auto row = repo.find(id);
  if (!row) throw Error(ErrorKind::not_found, fmt::format("no trade with id {}", id));
  if (sending || (row->status == db::TradeStatus::pending && row->tx_hash)) {
    throw Error(ErrorKind::conflict, fmt::format("trade {} is already being sent{}; a sent transaction cannot be cancelled", id,
                                                 row->tx_hash ? " (tx " + *row->tx_hash + ")" : std::string()));
  }
  if (row->status != db::TradeStatus::pending) {
    throw Error(ErrorKind::conflict, fmt::format("trade {} is already {}", id, db::to_string(row->status)));
  }
  throw Error(ErrorKind::conflict, fmt::format("trade {} is pending but not queued in this daemon (left from a restart); "
                                               "it is reconciled by the trade engine",
                                               id));
}

void TradeEngine::approve(const Token& token, const U256& amount, const U256& gas_price) {
  const chain::Bytes data = Pancake::approve_data(m_settings.contracts.router, amount);
  std::uint64_t gas_limit = k_approve_gas_fallback;
  try {
    gas_limit = gas_limit_with_margin(m_send_eth.estimate_gas(
        json{{"from", m_wallet->to_hex()}, {"to", token.address.to_hex()}, {"data", chain::to_hex(data)}}));
  } catch (const chain::RpcError& e) {
    throw Error(ErrorKind::data, fmt::format("not sent: approving the router for {} would revert ({})", token.address.to_hex(),
                                             revert_reason(e).value_or(e.node_message())));
  }
  chain::LegacyTransaction tx;
  tx.nonce = m_nonces->reserve();
  tx.gas_price = gas_price;
  tx.gas_limit = gas_limit;
  tx.to = token.address;
  tx.value = 0;
  tx.data = data;
  tx.chain_id = m_settings.chain_id;
  const chain::SignedTransaction signed_tx = chain::sign_transaction(tx, *m_key);
  try {
    m_send_eth.send_raw_transaction(signed_tx.raw);
  } catch (const chain::RpcError& e) {
    if (!known_after_refusal(signed_tx.hash)) {
      m_nonces->release(tx.nonce);
      if (is_nonce_too_low(e)) m_nonces->resync(pending_count());
      throw Error(ErrorKind::data, "not sent: approval refused: " + classify_refusal(e));
    }
  }
  log(LogLevel::info, fmt::format("Approving router {} for {} wei of {} (tx {}, nonce {})", m_settings.contracts.router.to_hex(),
                                  to_decimal(amount), token.address.to_hex(), chain::to_hex(signed_tx.hash), tx.nonce));
  std::optional<chain::Receipt> receipt;
  const Wait w = await_receipt(signed_tx.hash, m_settings.receipt_timeout, receipt);
  if (w == Wait::stopping) throw Error(ErrorKind::unavailable, "not sent: the daemon is stopping");
  if (w == Wait::timed_out) {
    if (!node_knows(signed_tx.hash)) m_nonces->resync(pending_count());
    throw Error(ErrorKind::unavailable, fmt::format("not sent: approval tx {} was not mined in time", chain::to_hex(signed_tx.hash)));
  }
  if (!receipt->status) throw Error(ErrorKind::data, fmt::format("not sent: approval tx {} reverted", chain::to_hex(signed_tx.hash)));
}

void TradeEngine::process(const Item& item) {
  try {
    const Address wallet = *m_wallet;
    const U256 gas_price = swap_gas_price(m_send_eth);
    // Balance and allowance first: an approval has to be mined before the swap can use it.
    if (!item.from.native) {
      const U256 balance = m_send_pancake.balance_of(item.from.address, wallet);
      if (balance < item.amount_in) {
        throw Error(ErrorKind::data, fmt::format("insufficient balance: the wallet holds {} of {}, the swap needs {}", to_decimal(balance),
                                                 item.from.address.to_hex(), to_decimal(item.amount_in)));
      }
      if (m_send_pancake.allowance(item.from.address, wallet, m_settings.contracts.router) < item.amount_in) {
        approve(item.from, item.amount_in, gas_price);
      }
    }
    // Quote to send: the latency the operator cares about starts here.
    const auto quoted_at = std::chrono::steady_clock::now();
    const Plan p = plan(item, m_send_pancake);
    const SwapKind kind = item.from.native ? SwapKind::bnb_for_tokens : item.to.native ? SwapKind::tokens_for_bnb : SwapKind::tokens_for_tokens;
    const std::uint64_t deadline =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(m_clock.now().time_since_epoch()).count() + item.deadline_seconds);
    const chain::Bytes data = Pancake::swap_data(kind, item.amount_in, p.amount_out_min, p.path, wallet, deadline);
    const U256 value = item.from.native ? item.amount_in : U256(0);
    std::uint64_t gas_limit = m_settings.default_gas_limit;
    if (m_settings.estimate_gas) {
      try {
        gas_limit = gas_limit_with_margin(m_send_eth.estimate_gas(json{{"from", wallet.to_hex()},
                                                                      {"to", m_settings.contracts.router.to_hex()},
                                                                      {"value", chain::to_quantity(value)},
                                                                      {"data", chain::to_hex(data)}}));
      } catch (const chain::RpcError& e) {
        if (!e.is_revert()) throw;
        throw Error(ErrorKind::data, classify_revert(revert_reason(e)));
      }
    }
    const U256 bnb = m_send_eth.get_balance(wallet, chain::BlockTag::pending);
    if (bnb < value + gas_fee(gas_limit, gas_price)) {
      throw Error(ErrorKind::data, fmt::format("insufficient balance: the wallet holds {} wei of BNB, the swap needs {} with gas",
                                               to_decimal(bnb), to_decimal(value + gas_fee(gas_limit, gas_price))));
    }
    chain::LegacyTransaction tx;
    tx.nonce = m_nonces->reserve();
    tx.gas_price = gas_price;
    tx.gas_limit = gas_limit;
    tx.to = m_settings.contracts.router;
    tx.value = value;
    tx.data = data;
    tx.chain_id = m_settings.chain_id;
    const chain::SignedTransaction signed_tx = chain::sign_transaction(tx, *m_key);
    const std::string hash = chain::to_hex(signed_tx.hash);
    db::SignedTrade record;
    record.quoted_amount_out = Wei(p.amount_out);
    record.amount_out_min = Wei(p.amount_out_min);
    record.slippage_bps = item.slippage_bps;
    record.deadline = static_cast<std::int64_t>(deadline);
    record.gas_limit = static_cast<std::int64_t>(gas_limit);
    record.gas_price = Wei(gas_price);
    record.nonce = static_cast<std::int64_t>(tx.nonce);
    record.chain_id = static_cast<std::int64_t>(tx.chain_id);
    record.tx_hash = hash;
    record.path = join_path(p.path);
    bool recorded = false;
    try {
      recorded = m_store.trades().mark_signed(item.id, record);
    } catch (...) {
      m_nonces->release(tx.nonce);
      throw;
    }
    if (!recorded) {
      m_nonces->release(tx.nonce);
      return;  // finalised by someone else meanwhile; nothing was sent
    }
    // Crash points for the swap harness (issue 13): between recording the hash and broadcasting,
    // and right after the broadcast.
    crash_point("trade.hash_recorded");
    publish(item.id);
    try {
      m_send_eth.send_raw_transaction(signed_tx.raw);
      crash_point("trade.broadcast");
    } catch (const chain::RpcError& e) {
      // "already known" after a retried broadcast means an earlier attempt got through.
      if (!known_after_refusal(signed_tx.hash)) {
        // The node refused it: the transaction does not exist, its nonce is free again.
        m_nonces->release(tx.nonce);
        if (is_nonce_too_low(e)) m_nonces->resync(pending_count());
        fail_trade(item.id, classify_refusal(e), std::nullopt, db::KeepTxHash::no);
        return;
      }
      log(LogLevel::warn, fmt::format("Trade {}: the node answered '{}' but knows tx {}; treating it as sent", item.id, e.node_message(), hash));
    } catch (const Error& e) {
      // No endpoint answered: it may have reached a node, so it is awaited like any sent one.
      log(LogLevel::warn, fmt::format("Trade {}: broadcasting tx {} got no answer ({}); watching for it", item.id, hash, e.what()));
    }
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - quoted_at);
    {
      std::lock_guard lock(m_mutex);
      m_status.last_quote_to_send_ms = static_cast<double>(latency.count()) / 1000.0;
    }
    if (m_hooks.on_sent) m_hooks.on_sent(latency);
    log(LogLevel::info, fmt::format("Trade {} sent: tx {} nonce {} gas price {} limit {}, min out {}; quote-to-send {:.3f} ms", item.id,
                                    hash, tx.nonce, to_decimal(gas_price), gas_limit, record.amount_out_min.decimal(),
                                    static_cast<double>(latency.count()) / 1000.0));
    await_and_finalise(item.id, signed_tx.hash);
  } catch (const std::exception& e) {
    // Before the hash was recorded nothing was broadcast: the trade fails with the reason.
    const auto row = m_store.trades().find(item.id);
    if (row && row->status == db::TradeStatus::pending && !row->tx_hash) {
      fail_trade(item.id, e.what(), std::nullopt, db::KeepTxHash::no);
    } else {
      throw;
    }
  }
}

}  // namespace bscbot::core::trade
