#pragma once
// Where the trading keys come from: TRADING_KEY_FILE, TRADING_KEY_FILES (several), the *.key
// files of TRADING_KEY_DIR (each owned by the user bscbot runs as, readable by that owner only,
// reached without symbolic links), or TRADING_PRIVATE_KEY. The key text is never echoed, logged
// or put in an error.
#include <optional>
#include <vector>

#include "core/chain/signer.hpp"
#include "core/config/config.hpp"

namespace bscbot::core::trade {

// The configured trading key, or nullopt when none is configured. Throws core::Error(config)
// when both sources are set, when the key file is readable by group or others (with the chmod
// that fixes it), or when the key is malformed.
std::optional<chain::PrivateKey> load_trading_key(const config::Config& cfg);

// Reads a key file, refusing one that group or others can read or write, one owned by another
// user, and a path with a symbolic link in it (the file or any folder above it).
chain::PrivateKey read_key_file(const std::filesystem::path& path);

// Every configured trading key, one wallet each, in the order configured (TRADING_KEY_FILE or
// TRADING_PRIVATE_KEY first, then TRADING_KEY_FILES, then TRADING_KEY_DIR sorted by name); empty
// when none is configured. Throws core::Error(config) as load_trading_key() does, and for a key
// given twice or an empty key folder.
std::vector<chain::PrivateKey> load_trading_keys(const config::Config& cfg);

}  // namespace bscbot::core::trade
