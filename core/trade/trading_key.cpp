#include "core/trade/trading_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace bscbot::core::trade {

chain::PrivateKey read_key_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    throw Error(errno == ENOENT ? ErrorKind::not_found : ErrorKind::config,
                fmt::format("cannot open trading key file {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::config, fmt::format("trading key file {} is not a regular file", path.string()));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    throw Error(ErrorKind::config, fmt::format("trading key file {} has mode {:03o}; it must be readable by its owner only "
                                               "(run: chmod 600 {})",
                                               path.string(), st.st_mode & 0777, path.string()));
  }
  std::string text(256, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) throw Error(ErrorKind::io, fmt::format("cannot read trading key file {}", path.string()));
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  try {
    chain::PrivateKey key = chain::PrivateKey::from_hex(text);
    std::fill(text.begin(), text.end(), '\0');
    return key;
  } catch (const Error& e) {
    std::fill(text.begin(), text.end(), '\0');
    throw Error(ErrorKind::config, fmt::format("trading key file {}: {}", path.string(), e.what()));
  }
}

std::optional<chain::PrivateKey> load_trading_key(const config::Config& cfg) {
  const bool from_file = cfg.is_set("TRADING_KEY_FILE");
  const bool from_env = cfg.is_set("TRADING_PRIVATE_KEY");
  if (from_file && from_env) {
    throw Error(ErrorKind::config, fmt::format("both TRADING_KEY_FILE (from {}) and TRADING_PRIVATE_KEY (from {}) are set; keep one",
                                               cfg.source("TRADING_KEY_FILE").describe(), cfg.source("TRADING_PRIVATE_KEY").describe()));
  }
  if (from_file) return read_key_file(cfg.path("TRADING_KEY_FILE"));
  if (from_env) {
    try {
      return chain::PrivateKey::from_hex(cfg.text("TRADING_PRIVATE_KEY"));
    } catch (const Error& e) {
      throw Error(ErrorKind::config, fmt::format("TRADING_PRIVATE_KEY (from {}): {}", cfg.source("TRADING_PRIVATE_KEY").describe(), e.what()));
    }
  }
  return std::nullopt;
}

}  // namespace bscbot::core::trade
