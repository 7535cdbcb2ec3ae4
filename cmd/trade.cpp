// bscbot trade: the trade-failure runbook's commands. quote/swap/cancel/gas-price ask bscbotd
// (which holds the key and the chain connection) with a short-lived token minted from
// JWT_SECRET; history/show/stats read the database directly, so they work when the daemon is down.
#include <charconv>
#include <thread>

#include "cmd/commands.hpp"
#include "core/auth/token.hpp"
#include "core/db/store.hpp"
#include "core/db/trade_json.hpp"
#include "core/error.hpp"
#include "core/net/http_client.hpp"
#include "core/trade/math.hpp"
#include "core/trade/order.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::cmd {

namespace {

using core::Error;
using core::ErrorKind;
using nlohmann::json;

struct SwapFlags {
  std::string from;
  std::string to;
  std::string amount;
  std::string amount_wei;
  std::string slippage;
  std::string deadline;
  bool yes = false;
  bool dry_run = false;
  bool no_wait = false;
  std::string timeout;
};

struct HistoryFlags {
  std::string wallet;
  std::string status;
  std::string since;
  int limit = 20;
};

ErrorKind kind_for_status(long status) {
  switch (status) {
    case 400: return ErrorKind::usage;
    case 401:
    case 403: return ErrorKind::config;
    case 404: return ErrorKind::not_found;
    case 409: return ErrorKind::conflict;
    case 503: return ErrorKind::unavailable;
    default: return ErrorKind::internal;
  }
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Calls bscbotd's API with a five-minute trader token; throws core::Error with the daemon's
// message for an error answer.
json api(Context& ctx, const std::string& method, const std::string& path, const json& body = nullptr,
         std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
  const auto& cfg = ctx.config();
  const std::string base = ctx.daemon().base_url();
  core::net::HttpRequest request;
  request.method = method;
  request.url = base + path;
  request.timeout = timeout;
  if (cfg.is_set("JWT_SECRET")) {
    request.headers["Authorization"] =
        "Bearer " + core::auth::mint_token(cfg.text("JWT_SECRET"), "bscbot-cli", core::auth::Role::trader, std::chrono::minutes(5));
  }
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers["Content-Type"] = "application/json";
  }
  core::net::HttpResponse response;
  try {
    response = core::net::perform(request);
  } catch (const Error& e) {
    throw Error(ErrorKind::unavailable, fmt::format("bscbotd is not answering at {} ({}); start it with `bscbot daemon start`", base, e.what()));
  }
  json answer = json::parse(response.body, nullptr, false);
  if (response.status < 200 || response.status >= 300) {
    const std::string message = answer.is_object() && answer.contains("error") ? answer["error"].get<std::string>() : response.body;
    throw Error(kind_for_status(response.status), fmt::format("bscbotd answered {}: {}", response.status, message));
  }
  if (answer.is_discarded()) throw Error(ErrorKind::internal, "bscbotd answered with something that is not JSON");
  return answer;
}

std::string label(Context& ctx, const std::string& token) {
  std::string wbnb = ctx.config().text("WBNB_ADDRESS");
  for (char& c : wbnb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return token == wbnb ? "BNB" : token;
}

std::string units18(const std::optional<core::Wei>& wei) { return wei ? core::format_units(wei->value(), 18) : "-"; }

std::string wei_text(const std::optional<core::Wei>& wei) { return wei ? wei->decimal() : "-"; }

std::string quote_query(const SwapFlags& f) {
  std::string q = "from=" + url_encode(f.from) + "&to=" + url_encode(f.to);
  if (!f.amount.empty()) q += "&amount=" + url_encode(f.amount);
  if (!f.amount_wei.empty()) q += "&amount_wei=" + url_encode(f.amount_wei);
  if (!f.slippage.empty()) q += "&slippage=" + url_encode(f.slippage);
  return q;
}

void print_quote(Context& ctx, const json& q) {
  auto& out = ctx.out();
  Table t({"QUOTE", "VALUE"});
  t.row({"sell", fmt::format("{} {}", q["amount_in_units"].get<std::string>(), q["from"].get<std::string>())});
  t.row({"buy (quoted)", fmt::format("{} {}", q["amount_out_units"].get<std::string>(), q["to"].get<std::string>())});
  t.row({"minimum out", fmt::format("{} {} (slippage {}%)", q["amount_out_min_units"].get<std::string>(), q["to"].get<std::string>(),
                                    core::format_units(core::U256(q["slippage_bps"].get<std::int64_t>()), 2))});
  std::string path;
  for (const auto& a : q["path"]) path += (path.empty() ? "" : " > ") + a.get<std::string>();
  t.row({"path", path});
  if (!q["mid_price"].is_null()) t.row({"mid price", fmt::format("{:.8g} {} per {}", q["mid_price"].get<double>(), q["to"].get<std::string>(), q["from"].get<std::string>())});
  if (!q["price_impact_pct"].is_null()) t.row({"price impact", fmt::format("{:.3f}% (pool fee included)", q["price_impact_pct"].get<double>())});
  if (q.contains("price_note")) t.row({"note", q["price_note"].get<std::string>()});
  t.row({"gas price", fmt::format("{} gwei (node {} gwei)", core::format_units(core::require_wei(q["gas_price"].get<std::string>(), "gas_price"), 9),
                                  core::format_units(core::require_wei(q["node_gas_price"].get<std::string>(), "gas_price"), 9))});
  t.row({"gas limit", std::to_string(q["gas_limit"].get<std::uint64_t>())});
  t.row({"max gas fee", core::format_units(core::require_wei(q["max_gas_fee"].get<std::string>(), "fee"), 18) + " BNB"});
  t.row({"deadline", std::to_string(q["deadline_seconds"].get<std::int64_t>()) + " s after sending"});
  if (q.contains("wallet")) {
    t.row({"wallet", q["wallet"].get<std::string>()});
    if (q.contains("balance_in")) t.row({"balance", q["balance_in"].get<std::string>() + " wei of " + q["from"].get<std::string>()});
    if (q.contains("needs_approval")) t.row({"approval", q["needs_approval"].get<bool>() ? "needed (sent first)" : "not needed"});
  }
  out.line(t.render());
  if (q.contains("problems")) {
    for (const auto& p : q["problems"]) out.line(out.paint("problem: " + p.get<std::string>(), Tone::bad));
  }
}

void print_trade(Context& ctx, const core::db::Trade& t) {
  auto& out = ctx.out();
  const Tone tone = t.status == core::db::TradeStatus::completed ? Tone::ok : t.status == core::db::TradeStatus::failed ? Tone::bad : Tone::warn;
  Table table({"TRADE", std::to_string(t.id)});
  table.row({"status", out.paint(std::string(core::db::to_string(t.status)), tone)});
  if (t.error) table.row({"error", *t.error});
  table.row({"wallet", t.wallet_address});
  table.row({"sell", fmt::format("{} wei of {}", t.amount_in.decimal(), label(ctx, t.token_in))});
  table.row({"buy", fmt::format("{} wei of {}", wei_text(t.amount_out), label(ctx, t.token_out))});
  table.row({"quoted / min out", fmt::format("{} / {}", wei_text(t.quoted_amount_out), wei_text(t.amount_out_min))});
  table.row({"path", t.path.empty() ? "-" : t.path});
  table.row({"tx", t.tx_hash.value_or("-")});
  table.row({"nonce / block", fmt::format("{} / {}", t.nonce ? std::to_string(*t.nonce) : "-", t.block_number ? std::to_string(*t.block_number) : "-")});
  table.row({"gas", fmt::format("used {} of {} at {} wei", t.gas_used ? std::to_string(*t.gas_used) : "-",
                                t.gas_limit ? std::to_string(*t.gas_limit) : "-", wei_text(t.gas_price))});
  table.row({"gas fee", t.gas_fee ? t.gas_fee->decimal() + " wei (" + units18(t.gas_fee) + " BNB)" : "-"});
  table.row({"created / finalised", fmt::format("{} / {} UTC", core::to_sql_datetime(t.created_at),
                                                t.finalized_at ? core::to_sql_datetime(*t.finalized_at) : "-")});
  out.line(table.render());
}

int run_quote(Context& ctx, const SwapFlags& f) {
  const json q = api(ctx, "GET", "/api/v1/quote?" + quote_query(f));
  ctx.out().document(q);
  print_quote(ctx, q);
  return 0;
}

json swap_body(const SwapFlags& f) {
  json body = {{"from", f.from}, {"to", f.to}};
  if (!f.amount.empty()) body["amount"] = f.amount;
  if (!f.amount_wei.empty()) body["amount_wei"] = f.amount_wei;
  if (!f.slippage.empty()) body["slippage"] = f.slippage;
  if (!f.deadline.empty()) body["deadline_seconds"] = core::parse_duration(f.deadline).count();
  return body;
}

// Prints the quote, asks, sends, and follows the trade to its end: exit 0 completed, 1 failed
// or declined, 75 still pending when --timeout ran out.
int run_swap(Context& ctx, const SwapFlags& f) {
  auto& out = ctx.out();
  if (!f.slippage.empty()) core::trade::parse_slippage_bps(f.slippage);  // refuse a bad value before asking
  if (!f.deadline.empty()) core::parse_duration(f.deadline);
  json body = swap_body(f);
  if (f.dry_run) {
    body["dry_run"] = true;
    const json plan = api(ctx, "POST", "/api/v1/trading/swap", body);
    out.document(plan);
    print_quote(ctx, plan["quote"]);
    out.line("dry run: nothing was signed or sent");
    return plan["quote"]["problems"].empty() ? 0 : 1;
  }
  const json q = api(ctx, "GET", "/api/v1/quote?" + quote_query(f));
  if (!out.json()) print_quote(ctx, q);
  if (!f.yes) {
    if (!out.interactive()) throw Error(ErrorKind::usage, "not sending without confirmation: add --yes (stdin is not a terminal)");
    if (!out.confirm("Send this swap?")) {
      out.line("not sent");
      return 1;
    }
  }
  // The minimum the operator saw is the floor the daemon must honour, whatever its fresh quote.
  body["amount_out_min"] = q["amount_out_min"];
  const json submitted = api(ctx, "POST", "/api/v1/trading/swap", body);
  core::db::Trade t = core::db::trade_from_json(submitted["trade"]);
  out.note(fmt::format("trade {} queued (position {})", t.id, submitted.value("queue_position", 0)));
  if (!f.no_wait) {
    const auto timeout = f.timeout.empty() ? std::chrono::seconds(ctx.config().integer("RECEIPT_TIMEOUT_MS") / 1000 + 60)
                                           : core::parse_duration(f.timeout);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (t.status == core::db::TradeStatus::pending && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      t = core::db::trade_from_json(api(ctx, "GET", "/api/v1/trading/trades/" + std::to_string(t.id))["trade"]);
    }
  }
  out.document({{"trade", t}, {"quote", q}});
  print_trade(ctx, t);
  if (t.status == core::db::TradeStatus::completed) return 0;
  if (t.status == core::db::TradeStatus::failed) return 1;
  if (!f.no_wait) out.note(fmt::format("trade {} is still pending; follow it with `bscbot trade show {}`", t.id, t.id));
  return f.no_wait ? 0 : 75;
}

std::unique_ptr<core::db::Store> open_db(Context& ctx) { return core::db::open_store(ctx.config(), core::db::Access::read_only); }

// "24h" / "7d" ago, or a UTC datetime.
core::SystemTime since_time(const std::string& since, core::SystemTime now) {
  if (!since.empty() && std::isdigit(static_cast<unsigned char>(since.back()))) return core::parse_sql_datetime(since);
  return now - core::parse_duration(since);
}

int run_history(Context& ctx, const HistoryFlags& f) {
  core::db::HistoryQuery q;
  q.limit = f.limit;
  if (!f.wallet.empty()) q.wallet = core::trade::parse_wallet(f.wallet, "--wallet").to_hex();  // the one address rule, as the API
  if (!f.status.empty()) {
    q.status = core::db::parse_trade_status(f.status);
    if (!q.status) throw Error(ErrorKind::usage, fmt::format("status '{}' is not pending, completed or failed", f.status));
  }
  if (!f.since.empty()) q.since = since_time(f.since, ctx.clock().now());
  auto store = open_db(ctx);
  const auto trades = store->trades().history(q);
  auto& out = ctx.out();
  out.document({{"trades", trades}, {"count", trades.size()}});
  Table t({"ID", "CREATED (UTC)", "STATUS", "SELL", "AMOUNT IN", "BUY", "AMOUNT OUT", "GAS FEE (BNB)", "TX / ERROR"});
  for (const auto& tr : trades) {
    t.row({std::to_string(tr.id), core::to_sql_datetime(tr.created_at), std::string(core::db::to_string(tr.status)), label(ctx, tr.token_in), units18(tr.amount_in),
           label(ctx, tr.token_out), units18(tr.amount_out), units18(tr.gas_fee),
           tr.error ? *tr.error : tr.tx_hash.value_or("-")});
  }
  if (t.empty()) out.line("no trades match");
  else out.line(t.render() + "amounts in units of 18 decimals; `--json` gives exact wei");
  return 0;
}

int run_show(Context& ctx, const std::string& which) {
  auto store = open_db(ctx);
  core::db::TradeStore& repo = store->trades();
  std::optional<core::db::Trade> t;
  if (which.rfind("0x", 0) == 0 || which.rfind("0X", 0) == 0) {
    t = repo.find_by_tx_hash(which);
  } else {
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(which.data(), which.data() + which.size(), id);
    if (ec != std::errc() || ptr != which.data() + which.size()) {
      throw Error(ErrorKind::usage, fmt::format("'{}' is neither a trade id nor a 0x transaction hash", which));
    }
    t = repo.find(id);
  }
  if (!t) throw Error(ErrorKind::not_found, fmt::format("no trade {}", which));
  ctx.out().document(*t);
  print_trade(ctx, *t);
  return 0;
}

int run_stats(Context& ctx, const std::string& since) {
  const core::SystemTime since_t = since_time(since, ctx.clock().now());
  const std::string cutoff = core::to_sql_datetime(since_t);
  auto store = open_db(ctx);
  const auto s = store->trades().stats(since_t);
  const std::string volume = store->trades().volume_in(since_t).decimal();
  const auto& cfg = ctx.config();
  auto& out = ctx.out();
  const json doc = {{"since", cutoff},
                    {"total", s.total},
                    {"completed", s.completed},
                    {"failed", s.failed},
                    {"pending", s.pending},
                    {"success_rate", s.success_rate ? json(*s.success_rate) : json(nullptr)},
                    {"avg_gas_fee_wei", s.avg_gas_fee_wei ? json(*s.avg_gas_fee_wei) : json(nullptr)},
                    {"volume_in_wei", volume},
                    {"wallets", s.distinct_wallets}};
  out.document(doc);
  const double warn = cfg.number("SUCCESS_RATE_WARN_PCT"), crit = cfg.number("SUCCESS_RATE_CRIT_PCT");
  std::string rate = "-";
  if (s.success_rate) {
    const Tone tone = *s.success_rate < crit ? Tone::bad : *s.success_rate < warn ? Tone::warn : Tone::ok;
    rate = out.paint(fmt::format("{:.1f}%", *s.success_rate), tone);
  }
  Table t({"SINCE " + cutoff + " UTC", "VALUE"});
  t.row({"trades (volume)", std::to_string(s.total)});
  t.row({"success rate", rate + fmt::format("  (warn < {}%, critical < {}%)", warn, crit)});
  t.row({"completed", std::to_string(s.completed)});
  t.row({"failed", std::to_string(s.failed)});
  t.row({"pending", std::to_string(s.pending)});
  t.row({"average gas fee", s.avg_gas_fee_wei ? fmt::format("{:.0f} wei ({:.6f} BNB)", *s.avg_gas_fee_wei, *s.avg_gas_fee_wei / 1e18) : "-"});
  t.row({"amount in (sum)", volume + " wei"});
  t.row({"wallets", std::to_string(s.distinct_wallets)});
  out.line(t.render());
  return 0;
}

int run_gas_price(Context& ctx) {
  const json g = api(ctx, "GET", "/api/v1/gas-price");
  ctx.out().document(g);
  ctx.out().line(fmt::format("node {} gwei, swaps pay {} gwei (GAS_PRICE_MULTIPLIER {})",
                             core::format_units(core::require_wei(g["gas_price"].get<std::string>(), "gas_price"), 9),
                             core::format_units(core::require_wei(g["swap_gas_price"].get<std::string>(), "gas_price"), 9),
                             g["multiplier"].get<std::string>()));
  return 0;
}

// A queued swap is cancelled at once; a sent one gets a 0-value self-transfer at its nonce with
// a bumped gas price, and ends cancelled only if that is mined first.
int run_cancel(Context& ctx, std::int64_t id) {
  const json answer = api(ctx, "POST", "/api/v1/trading/trades/" + std::to_string(id) + "/cancel");
  ctx.out().document(answer);
  if (answer.value("cancelled", false)) {
    ctx.out().line(fmt::format("trade {} cancelled", id));
  } else {
    ctx.out().line(fmt::format("trade {} is sent: a cancel transaction goes out at its nonce; it ends cancelled if that is mined first "
                               "(follow it with `bscbot trade show {}`)",
                               id, id));
  }
  return 0;
}

// Replaces a sent swap's transaction with one paying GAS_BUMP_PCT more (up to GAS_PRICE_MAX_GWEI).
int run_speed_up(Context& ctx, std::int64_t id) {
  const json answer = api(ctx, "POST", "/api/v1/trading/trades/" + std::to_string(id) + "/speed-up");
  ctx.out().document(answer);
  ctx.out().line(fmt::format("trade {}: a replacement with a higher gas price goes out at its nonce (follow it with `bscbot trade show {}`)", id,
                             id));
  return 0;
}

void add_pair_options(CLI::App* cmd, SwapFlags& f) {
  cmd->add_option("--from", f.from, "Token to sell: BNB or a 0x token address")->required();
  cmd->add_option("--to", f.to, "Token to buy: BNB or a 0x token address")->required();
  auto* amount = cmd->add_option("--amount", f.amount, "Amount to sell in token units, e.g. 0.5");
  auto* wei = cmd->add_option("--amount-wei", f.amount_wei, "Amount to sell in base units (wei), exact");
  amount->excludes(wei);
  cmd->add_option("--slippage", f.slippage, "Slippage tolerance in percent (default DEFAULT_SLIPPAGE)");
}

}  // namespace

void setup_trade(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto swap = std::make_shared<SwapFlags>();
  auto history = std::make_shared<HistoryFlags>();
  auto which = std::make_shared<std::string>();
  auto since = std::make_shared<std::string>("24h");
  auto id = std::make_shared<std::int64_t>(0);

  auto* quote = command.add_subcommand("quote", "Quote a swap through the PancakeSwap router (getAmountsOut) with its minimum output and gas");
  add_pair_options(quote, *swap);
  quote->callback([&ctx, swap] { ctx.run = [&ctx, swap] { return run_quote(ctx, *swap); }; });

  auto* send = command.add_subcommand("swap", "Quote, confirm and send a swap, then follow it to completed or failed");
  add_pair_options(send, *swap);
  send->add_option("--deadline", swap->deadline, "Deadline after sending, e.g. 2m (default DEFAULT_DEADLINE_SECONDS)");
  send->add_flag("-y,--yes", swap->yes, "Send without asking");
  send->add_flag("--dry-run", swap->dry_run, "Plan the swap (quote, balance, allowance, gas) without signing or sending");
  send->add_flag("--no-wait", swap->no_wait, "Return once the swap is queued instead of following it");
  send->add_option("--timeout", swap->timeout, "How long to follow the swap, e.g. 3m (default RECEIPT_TIMEOUT_MS plus a minute)");
  send->callback([&ctx, swap] { ctx.run = [&ctx, swap] { return run_swap(ctx, *swap); }; });

  auto* hist = command.add_subcommand("history", "Trades newest first, from the database (works with the daemon down)");
  hist->add_option("--wallet", history->wallet, "Only this wallet address");
  hist->add_option("--status", history->status, "Only pending, completed or failed")->check(CLI::IsMember({"pending", "completed", "failed"}));
  hist->add_option("--since", history->since, "Only trades newer than an age (24h, 7d) or a UTC time (2025-01-31 12:00:00)");
  hist->add_option("--limit", history->limit, "Most trades to list (1-1000)")->check(CLI::Range(1, 1000))->capture_default_str();
  hist->callback([&ctx, history] { ctx.run = [&ctx, history] { return run_history(ctx, *history); }; });

  auto* show = command.add_subcommand("show", "One trade by id or transaction hash, with its gas, nonce, block and error");
  show->add_option("trade", *which, "Trade id or 0x transaction hash")->required();
  show->callback([&ctx, which] { ctx.run = [&ctx, which] { return run_show(ctx, *which); }; });

  auto* stats = command.add_subcommand("stats", "The manual's business metrics: volume, success rate, status breakdown, average gas fee");
  stats->add_option("--since", *since, "Window: an age such as 24h or 7d, or a UTC time")->capture_default_str();
  stats->callback([&ctx, since] { ctx.run = [&ctx, since] { return run_stats(ctx, *since); }; });

  command.add_subcommand("gas-price", "The node's gas price and what swaps pay with GAS_PRICE_MULTIPLIER")
      ->callback([&ctx] { ctx.run = [&ctx] { return run_gas_price(ctx); }; });

  auto* cancel = command.add_subcommand("cancel", "Cancel a swap: a queued one at once, a sent one by a 0-value self-transfer at its nonce");
  cancel->add_option("id", *id, "Trade id")->required();
  cancel->callback([&ctx, id] { ctx.run = [&ctx, id] { return run_cancel(ctx, *id); }; });

  auto* speed = command.add_subcommand("speed-up", "Replace a sent swap's transaction with a higher gas price (GAS_BUMP_PCT)");
  speed->add_option("id", *id, "Trade id")->required();
  speed->callback([&ctx, id] { ctx.run = [&ctx, id] { return run_speed_up(ctx, *id); }; });
}

}  // namespace bscbot::cmd
