#pragma once
// `bscbot devnet up|down|status` and the trade tests' fixture: anvil with chain id 56, WETH9 as
// WBNB, the Uniswap V2 factory and Router02 (the PancakeSwap V2 code base), two test tokens with
// BNB and token/token liquidity, a funded trading account, and a config bscbotd can use.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/chain/address.hpp"
#include "core/devnet/anvil.hpp"

namespace bscbot::core::devnet {

struct DevnetOptions {
  std::filesystem::path dir = "devnet";  // state.json, bscbot.yaml, trading.key, anvil.log
  int port = 0;                          // 0: a free port
  std::uint64_t chain_id = 56;
  std::optional<std::filesystem::path> anvil;         // ANVIL_PATH
  std::optional<std::filesystem::path> node_modules;  // NODE_MODULES_DIR
  Detach detach = Detach::yes;
};

struct DevnetInfo {
  pid_t pid = -1;
  int port = 0;
  std::string rpc_url;
  std::uint64_t chain_id = 56;
  chain::Address wbnb;
  chain::Address factory;
  chain::Address router;
  chain::Address token_a;  // TKA: 1000 per BNB
  chain::Address token_b;  // TKB: 500 per BNB, and 2 TKA per TKB
  chain::Address deployer; // anvil account #0: owns the liquidity
  chain::Address trader;   // anvil account #1: the trading key
  chain::Address other;    // anvil account #2: for tests that move the market
  std::filesystem::path config_file;
  std::filesystem::path key_file;
  std::filesystem::path state_file;
};

nlohmann::json to_json(const DevnetInfo& info);

// The private key of anvil's well-known default account `index` (0-9), as hex. Public test keys:
// never use them on a real chain.
std::string anvil_account_key(int index);

// A started and deployed devnet. Owns the anvil process unless it was started detached.
class Devnet {
public:
  // Starts anvil, deploys the contracts, adds liquidity, funds the trader, and writes the
  // config, key and state files into `options.dir`. Throws core::Error naming the failed step.
  explicit Devnet(const DevnetOptions& options);

  const DevnetInfo& info() const { return m_info; }
  AnvilProcess& process() { return *m_anvil; }
  // Keeps anvil running after this object is gone.
  void release() { m_anvil->release(); }

private:
  std::unique_ptr<AnvilProcess> m_anvil;
  DevnetInfo m_info;
};

// The devnet recorded in `dir`/state.json, or nullopt when there is none.
std::optional<DevnetInfo> read_devnet_state(const std::filesystem::path& dir);

// Stops the devnet recorded in `dir` and removes its state, config and key files. Returns
// false when no devnet was recorded there.
bool devnet_down(const std::filesystem::path& dir);

}  // namespace bscbot::core::devnet
