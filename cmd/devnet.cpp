// bscbot devnet up|down|status: a local BSC-like chain to try the daemon on, with nothing at
// stake: anvil (chain id 56), WBNB, the PancakeSwap V2 factory and router, two test tokens with
// liquidity, and a config file that points bscbotd at them.
#include "cmd/commands.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/devnet/devnet.hpp"
#include "core/error.hpp"

namespace bscbot::cmd {

namespace {

using core::devnet::DevnetInfo;

core::devnet::DevnetOptions options_for(Context& ctx, const std::string& dir, int port) {
  const auto& cfg = ctx.config();
  core::devnet::DevnetOptions o;
  o.dir = dir;
  o.port = port;
  o.chain_id = static_cast<std::uint64_t>(cfg.integer("CHAIN_ID"));
  if (cfg.is_set("ANVIL_PATH")) o.anvil = cfg.path("ANVIL_PATH");
  if (cfg.is_set("NODE_MODULES_DIR")) o.node_modules = cfg.path("NODE_MODULES_DIR");
  o.detach = core::devnet::Detach::yes;
  return o;
}

void print_info(Context& ctx, const DevnetInfo& info) {
  auto& out = ctx.out();
  Table t({"WHAT", "VALUE"});
  t.row({"rpc", info.rpc_url});
  t.row({"chain id", std::to_string(info.chain_id)});
  t.row({"anvil pid", std::to_string(info.pid)});
  t.row({"WBNB", info.wbnb.to_checksum()});
  t.row({"factory", info.factory.to_checksum()});
  t.row({"router", info.router.to_checksum()});
  t.row({"TKA", info.token_a.to_checksum() + "  (1000 per BNB)"});
  t.row({"TKB", info.token_b.to_checksum() + "  (500 per BNB)"});
  t.row({"trader", info.trader.to_checksum() + "  (anvil account 1; key in " + info.key_file.string() + ")"});
  t.row({"config", info.config_file.string()});
  out.line(t.render());
}

int run_up(Context& ctx, const std::string& dir, int port) {
  if (const auto existing = core::devnet::read_devnet_state(dir); existing && core::devnet::is_anvil(existing->pid)) {
    throw core::Error(core::ErrorKind::conflict, fmt::format("a devnet is already running (anvil pid {}, {}); `bscbot devnet down` first",
                                                             existing->pid, existing->rpc_url));
  }
  ctx.out().note("starting anvil and deploying WBNB, the V2 factory and router, and test tokens...");
  core::devnet::Devnet devnet(options_for(ctx, dir, port));
  devnet.release();
  const DevnetInfo& info = devnet.info();
  ctx.out().document(core::devnet::to_json(info));
  print_info(ctx, info);
  ctx.out().note(fmt::format("start the daemon on it with: bscbot --config {} daemon start", info.config_file.string()));
  return 0;
}

int run_down(Context& ctx, const std::string& dir) {
  const bool stopped = core::devnet::devnet_down(dir);
  ctx.out().document({{"stopped", stopped}});
  ctx.out().line(stopped ? "devnet stopped" : "no devnet recorded in " + dir);
  return 0;
}

// Exit 0 when the recorded anvil answers, 3 when there is none or it is gone.
int run_status(Context& ctx, const std::string& dir) {
  const auto info = core::devnet::read_devnet_state(dir);
  auto& out = ctx.out();
  if (!info) {
    out.document({{"running", false}});
    out.line("no devnet recorded in " + dir + "; start one with `bscbot devnet up`");
    return 3;
  }
  std::optional<std::uint64_t> block;
  std::string error;
  try {
    core::chain::RpcOptions options;
    options.timeout = std::chrono::milliseconds(2000);
    options.retries = 0;
    core::chain::RpcClient rpc({info->rpc_url}, options, core::chain::make_curl_transport());
    block = core::chain::parse_quantity_u64(rpc.call("eth_blockNumber").get<std::string>());
  } catch (const std::exception& e) {
    error = e.what();
  }
  const bool running = core::devnet::is_anvil(info->pid) && block.has_value();
  nlohmann::json doc = core::devnet::to_json(*info);
  doc["running"] = running;
  doc["block_number"] = block ? nlohmann::json(*block) : nlohmann::json(nullptr);
  if (!error.empty()) doc["error"] = error;
  out.document(doc);
  out.line(running ? fmt::format("devnet is {} at {} (block {})", out.paint("running", Tone::ok), info->rpc_url, *block)
                   : fmt::format("devnet is {} ({})", out.paint("not running", Tone::bad), error.empty() ? "anvil is gone" : error));
  if (running) print_info(ctx, *info);
  return running ? 0 : 3;
}

}  // namespace

void setup_devnet(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto dir = std::make_shared<std::string>("devnet");
  auto port = std::make_shared<int>(0);

  auto* up = command.add_subcommand("up", "Start anvil (chain id CHAIN_ID), deploy WBNB, the V2 factory and router and test tokens with liquidity, and write DIR/bscbot.yaml");
  up->add_option("--dir", *dir, "Folder of the devnet's state, config, key and log")->capture_default_str();
  up->add_option("--port", *port, "Port of anvil's JSON-RPC on 127.0.0.1 (default: a free one)");
  up->callback([&ctx, dir, port] { ctx.run = [&ctx, dir, port] { return run_up(ctx, *dir, *port); }; });

  auto* down = command.add_subcommand("down", "Stop the devnet's anvil and remove its state, config and key files");
  down->add_option("--dir", *dir, "Folder of the devnet")->capture_default_str();
  down->callback([&ctx, dir] { ctx.run = [&ctx, dir] { return run_down(ctx, *dir); }; });

  auto* status = command.add_subcommand("status", "Is the devnet's anvil answering? Its addresses and block (exit 0 running, 3 not)");
  status->add_option("--dir", *dir, "Folder of the devnet")->capture_default_str();
  status->callback([&ctx, dir] { ctx.run = [&ctx, dir] { return run_status(ctx, *dir); }; });
}

}  // namespace bscbot::cmd
