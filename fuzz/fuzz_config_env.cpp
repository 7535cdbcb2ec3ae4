// The environment layer: the input is a list of NAME=value lines standing for the process
// environment (values may hold any byte but a newline), loaded by core::config::load() over a
// fixed bscbot.yaml and .env, as bscbotd under systemd's Environment= would. Properties: a bad
// value is refused with core::Error, and an accepted environment gives a working configuration.
#include "fuzz/support/config_layers.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

constexpr std::string_view k_yaml = "port: 10001\nlog_level: info\ndata_dir: data\nbsc_rpc_urls:\n  - https://bsc-dataseed1.binance.org/\n";
constexpr std::string_view k_dotenv = "NODE_ENV=development\nJWT_SECRET=fuzz\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::map<std::string, std::string> environment;
  std::string_view rest = bscbot::fuzz::as_text(data, size);
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    const auto eq = line.find('=');
    // environ entries without '=' are skipped by process_environment(), so they never get here.
    if (eq == std::string_view::npos || eq == 0) continue;
    environment[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  bscbot::fuzz::allow_refusal([&] {
    const auto cfg = bscbot::fuzz::load_layers(k_yaml, k_dotenv, environment);
    bscbot::fuzz::check_loaded(cfg);
  });
  return 0;
}
