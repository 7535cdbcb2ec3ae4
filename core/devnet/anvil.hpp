#pragma once
// Starting and stopping an anvil node from npm's @foundry-rs/anvil: found in the project's
// node_modules (beside the executable or the working directory), ANVIL_PATH, or PATH.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::devnet {

// The node_modules folder holding anvil and the Uniswap artifacts: `configured` when given,
// else the first node_modules above the running executable or the working directory that
// holds @uniswap/v2-core. Throws core::Error(not_found) saying to run `npm ci`.
std::filesystem::path find_node_modules(const std::optional<std::filesystem::path>& configured);

// The anvil executable: `configured`, else the platform binary or .bin/anvil in `node_modules`,
// else `anvil` on PATH. Throws core::Error(not_found).
std::filesystem::path find_anvil(const std::optional<std::filesystem::path>& configured,
                                 const std::optional<std::filesystem::path>& node_modules);

// Whether anvil outlives the program that started it.
enum class Detach { no, yes };

// A running anvil. Stopped (SIGTERM, then SIGKILL) when destroyed unless release()d.
class AnvilProcess {
public:
  // Starts `anvil` on 127.0.0.1:`port` with `chain_id`, writing its output to `log_file`, and
  // waits until it answers eth_chainId. Throws core::Error(unavailable) with the log's tail when
  // it exits or does not answer within `timeout`.
  AnvilProcess(const std::filesystem::path& anvil, int port, std::uint64_t chain_id, const std::filesystem::path& log_file,
               Detach detach, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
  ~AnvilProcess();
  AnvilProcess(const AnvilProcess&) = delete;
  AnvilProcess& operator=(const AnvilProcess&) = delete;

  pid_t pid() const { return m_pid; }
  int port() const { return m_port; }
  std::string url() const;
  // Leaves the process running when this object goes away (`bscbot devnet up`).
  void release() { m_released = true; }
  // Stops it now: SIGTERM, then SIGKILL after a grace period.
  void stop();

private:
  pid_t m_pid = -1;
  int m_port = 0;
  bool m_released = false;
};

// A TCP port on 127.0.0.1 nobody listens on right now.
int free_local_port();

// Whether `pid` is a running anvil (by /proc/<pid>/comm), so `devnet down` never signals a
// recycled pid.
bool is_anvil(pid_t pid);

// Stops an anvil we did not start (from the devnet state file): SIGTERM, wait, then SIGKILL.
// Returns false when `pid` is not a running anvil.
bool stop_anvil(pid_t pid, std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

}  // namespace bscbot::core::devnet
