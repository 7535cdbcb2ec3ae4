#include "core/devnet/devnet.hpp"

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "core/chain/abi.hpp"
#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/chain/signer.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::devnet {

namespace {

using chain::AbiEncoder;
using chain::Address;
using chain::Bytes;
using nlohmann::json;

// anvil's default mnemonic ("test test ... junk") accounts 0-9: published test keys.
constexpr const char* k_keys[] = {
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a", "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e", "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97", "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
};

const U256 k_ether = U256("1000000000000000000");

Bytes artifact_bytecode(const fs::path& node_modules, const std::string& package, const std::string& name) {
  const fs::path file = node_modules / "@uniswap" / package / "build" / (name + ".json");
  json artifact;
  try {
    artifact = json::parse(read_file(file));
  } catch (const json::exception& e) {
    throw Error(ErrorKind::data, fmt::format("artifact {} is not JSON: {}", file.string(), e.what()));
  }
  std::string code = artifact.value("bytecode", "");
  if (code.empty() && artifact.contains("evm")) code = artifact["evm"]["bytecode"].value("object", "");
  if (code.empty()) throw Error(ErrorKind::data, fmt::format("artifact {} has no bytecode", file.string()));
  return chain::from_hex(code);
}

class Deployer {
public:
  Deployer(chain::RpcClient& rpc, Address from) : m_rpc(rpc), m_from(from) {}

  json send(const std::string& step, const std::optional<Address>& to, const Bytes& data, const U256& value = 0,
            const std::optional<Address>& from = std::nullopt) {
    json tx = {{"from", (from ? *from : m_from).to_hex()}, {"data", chain::to_hex(data)}, {"value", chain::to_quantity(value)}};
    if (to) tx["to"] = to->to_hex();
    json hash;
    try {
      hash = m_rpc.call("eth_sendTransaction", json::array({tx}));
    } catch (const Error& e) {
      throw Error(ErrorKind::unavailable, fmt::format("devnet: {} failed: {}", step, e.what()));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      const json receipt = m_rpc.call("eth_getTransactionReceipt", json::array({hash}));
      if (receipt.is_object()) {
        if (receipt.value("status", "0x0") != "0x1") throw Error(ErrorKind::unavailable, fmt::format("devnet: {} reverted", step));
        return receipt;
      }
      if (std::chrono::steady_clock::now() > deadline) throw Error(ErrorKind::unavailable, fmt::format("devnet: {} was not mined", step));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  Address deploy(const std::string& step, Bytes code, const Bytes& constructor_args = {}) {
    code.insert(code.end(), constructor_args.begin(), constructor_args.end());
    const json receipt = send(step, std::nullopt, code);
    return Address::parse(receipt.value("contractAddress", ""));
  }

  void call(const std::string& step, const Address& to, const std::string& signature, const AbiEncoder& args, const U256& value = 0,
            const std::optional<Address>& from = std::nullopt) {
    send(step, to, chain::encode_call(chain::function_selector(signature), args), value, from);
  }

private:
  chain::RpcClient& m_rpc;
  Address m_from;
};

std::string yaml_config(const DevnetInfo& info) {
  return fmt::format(
      "# Written by `bscbot devnet up`: a local anvil chain (chain id {}) with PancakeSwap V2 contracts.\n"
      "# Use it with: bscbot --config {} daemon start\n"
      "chain_enabled: true\n"
      "bsc_rpc_url: {}\n"
      "chain_id: {}\n"
      "router_address: \"{}\"\n"
      "factory_address: \"{}\"\n"
      "wbnb_address: \"{}\"\n"
      "trading_key_file: {}\n"
      "receipt_poll_ms: 100\n",
      info.chain_id, info.config_file.string(), info.rpc_url, info.chain_id, info.router.to_checksum(), info.factory.to_checksum(),
      info.wbnb.to_checksum(), info.key_file.string());
}

}  // namespace

std::string anvil_account_key(int index) {
  if (index < 0 || index > 9) throw Error(ErrorKind::usage, "anvil has default accounts 0 to 9");
  return k_keys[index];
}

json to_json(const DevnetInfo& info) {
  return {
      {"pid", info.pid},
      {"port", info.port},
      {"rpc_url", info.rpc_url},
      {"chain_id", info.chain_id},
      {"contracts", {{"wbnb", info.wbnb.to_checksum()}, {"factory", info.factory.to_checksum()}, {"router", info.router.to_checksum()}}},
      {"tokens", {{"TKA", info.token_a.to_checksum()}, {"TKB", info.token_b.to_checksum()}}},
      {"accounts", {{"deployer", info.deployer.to_checksum()}, {"trader", info.trader.to_checksum()}, {"other", info.other.to_checksum()}}},
      {"config_file", info.config_file.string()},
      {"key_file", info.key_file.string()},
      {"state_file", info.state_file.string()},
  };
}

Devnet::Devnet(const DevnetOptions& options) {
  const fs::path dir = fs::absolute(options.dir);
  fs::create_directories(dir);
  const fs::path node_modules = find_node_modules(options.node_modules);
  const fs::path anvil = find_anvil(options.anvil, node_modules);
  m_anvil = std::make_unique<AnvilProcess>(anvil, options.port, options.chain_id, dir / "anvil.log", options.detach);

  DevnetInfo& info = m_info;
  info.pid = m_anvil->pid();
  info.port = m_anvil->port();
  info.rpc_url = m_anvil->url();
  info.chain_id = options.chain_id;
  info.deployer = chain::PrivateKey::from_hex(k_keys[0]).address();
  info.trader = chain::PrivateKey::from_hex(k_keys[1]).address();
  info.other = chain::PrivateKey::from_hex(k_keys[2]).address();

  chain::RpcOptions rpc_options;
  rpc_options.timeout = std::chrono::milliseconds(10000);
  rpc_options.retries = 1;
  chain::RpcClient rpc({info.rpc_url}, rpc_options, chain::make_curl_transport());
  Deployer d(rpc, info.deployer);

  info.wbnb = d.deploy("deploying WETH9 as WBNB", artifact_bytecode(node_modules, "v2-periphery", "WETH9"));
  info.factory = d.deploy("deploying UniswapV2Factory", artifact_bytecode(node_modules, "v2-core", "UniswapV2Factory"),
                          AbiEncoder().address(info.deployer).encode());
  info.router = d.deploy("deploying UniswapV2Router02", artifact_bytecode(node_modules, "v2-periphery", "UniswapV2Router02"),
                         AbiEncoder().address(info.factory).address(info.wbnb).encode());
  const Bytes erc20 = artifact_bytecode(node_modules, "v2-periphery", "ERC20");
  const U256 supply = k_ether * 1'000'000;
  info.token_a = d.deploy("deploying test token TKA", erc20, AbiEncoder().uint256(supply).encode());
  info.token_b = d.deploy("deploying test token TKB", erc20, AbiEncoder().uint256(supply).encode());

  const U256 max = ~U256(0);
  const std::uint64_t deadline =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(system_clock().now().time_since_epoch()).count()) + 3600;
  d.call("approving the router for TKA", info.token_a, "approve(address,uint256)", AbiEncoder().address(info.router).uint256(max));
  d.call("approving the router for TKB", info.token_b, "approve(address,uint256)", AbiEncoder().address(info.router).uint256(max));
  const char* add_eth = "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)";
  d.call("adding TKA/BNB liquidity", info.router, add_eth,
         AbiEncoder().address(info.token_a).uint256(k_ether * 100'000).uint256(0).uint256(0).address(info.deployer).uint256(deadline),
         k_ether * 100);
  d.call("adding TKB/BNB liquidity", info.router, add_eth,
         AbiEncoder().address(info.token_b).uint256(k_ether * 50'000).uint256(0).uint256(0).address(info.deployer).uint256(deadline),
         k_ether * 100);
  d.call("adding TKA/TKB liquidity", info.router, "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
         AbiEncoder()
             .address(info.token_a)
             .address(info.token_b)
             .uint256(k_ether * 100'000)
             .uint256(k_ether * 50'000)
             .uint256(0)
             .uint256(0)
             .address(info.deployer)
             .uint256(deadline));
  for (const Address& holder : {info.trader, info.other}) {
    d.call("funding an account with TKA", info.token_a, "transfer(address,uint256)", AbiEncoder().address(holder).uint256(k_ether * 10'000));
    d.call("funding an account with TKB", info.token_b, "transfer(address,uint256)", AbiEncoder().address(holder).uint256(k_ether * 10'000));
  }

  info.config_file = dir / "bscbot.yaml";
  info.key_file = dir / "trading.key";
  info.state_file = dir / "state.json";
  atomic_write_file(info.key_file, std::string("0x") + k_keys[1] + "\n", fs::perms::owner_read | fs::perms::owner_write);
  atomic_write_file(info.config_file, yaml_config(info));
  json state = to_json(info);
  state["started_at"] = to_iso8601(system_clock().now());
  atomic_write_file(info.state_file, state.dump(2) + "\n");
}

std::optional<DevnetInfo> read_devnet_state(const fs::path& dir) {
  const fs::path file = dir / "state.json";
  if (!fs::exists(file)) return std::nullopt;
  try {
    const json j = json::parse(read_file(file));
    DevnetInfo info;
    info.pid = j.at("pid").get<pid_t>();
    info.port = j.at("port").get<int>();
    info.rpc_url = j.at("rpc_url").get<std::string>();
    info.chain_id = j.at("chain_id").get<std::uint64_t>();
    info.wbnb = Address::parse(j.at("contracts").at("wbnb").get<std::string>());
    info.factory = Address::parse(j.at("contracts").at("factory").get<std::string>());
    info.router = Address::parse(j.at("contracts").at("router").get<std::string>());
    info.token_a = Address::parse(j.at("tokens").at("TKA").get<std::string>());
    info.token_b = Address::parse(j.at("tokens").at("TKB").get<std::string>());
    info.deployer = Address::parse(j.at("accounts").at("deployer").get<std::string>());
    info.trader = Address::parse(j.at("accounts").at("trader").get<std::string>());
    info.other = Address::parse(j.at("accounts").at("other").get<std::string>());
    info.config_file = j.at("config_file").get<std::string>();
    info.key_file = j.at("key_file").get<std::string>();
    info.state_file = file;
    return info;
  } catch (const json::exception& e) {
    throw Error(ErrorKind::data, fmt::format("devnet state {} is unreadable ({}); remove it and run `bscbot devnet up`", file.string(), e.what()));
  }
}

bool devnet_down(const fs::path& dir) {
  const auto info = read_devnet_state(dir);
  if (!info) return false;
  stop_anvil(info->pid);
  std::error_code ec;
  fs::remove(info->config_file, ec);
  fs::remove(info->key_file, ec);
  fs::remove(dir / "state.json", ec);
  return true;
}

}  // namespace bscbot::core::devnet
