#include "core/trade/trading_key.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace bscbot::core::trade {

namespace {

std::string user_name(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? fmt::format("{} ({})", uid, pw->pw_name) : std::to_string(uid);
}

// Opens the folder holding `path` one component at a time, refusing any symbolic link on the
// way: a link swapped into the path would make the daemon sign with a key someone else chose.
// Returns the folder's descriptor (AT_FDCWD-relative paths start at the working directory).
int open_parent_without_links(const std::filesystem::path& path) {
  int dir = ::open(path.is_absolute() ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) throw Error(ErrorKind::io, fmt::format("cannot open the folder of trading key file {}: {}", path.string(), std::strerror(errno)));
  std::filesystem::path walked = path.is_absolute() ? "/" : "";
  for (const auto& part : path.relative_path().parent_path()) {
    walked /= part;
    const int next = ::openat(dir, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      const int err = errno;
      struct stat st {};
      const bool link = ::fstatat(dir, part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
      ::close(dir);
      if (link) {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(walked, ec);
        throw Error(ErrorKind::config, fmt::format("trading key file {}: its folder {} is a symbolic link{}; set TRADING_KEY_FILE "
                                                   "to the real path",
                                                   path.string(), walked.string(), ec ? "" : " (to " + target.string() + ")"));
      }
      throw Error(err == ENOENT ? ErrorKind::not_found : ErrorKind::config,
                  fmt::format("cannot open trading key file {}: {}: {}", path.string(), walked.string(), std::strerror(err)));
    }
    ::close(dir);
    dir = next;
  }
  return dir;
}

}  // namespace

chain::PrivateKey read_key_file(const std::filesystem::path& path) {
  const int dir = open_parent_without_links(path);
  const int fd = ::openat(dir, path.filename().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  const int open_errno = errno;
  struct stat link_st {};
  const bool is_link = fd < 0 && ::fstatat(dir, path.filename().c_str(), &link_st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(link_st.st_mode);
  ::close(dir);
  if (fd < 0) {
    if (is_link) {
      throw Error(ErrorKind::config, fmt::format("trading key file {} is a symbolic link; set TRADING_KEY_FILE to the real file", path.string()));
    }
    throw Error(open_errno == ENOENT ? ErrorKind::not_found : ErrorKind::config,
                fmt::format("cannot open trading key file {}: {}", path.string(), std::strerror(open_errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::config, fmt::format("trading key file {} is not a regular file", path.string()));
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    throw Error(ErrorKind::config, fmt::format("trading key file {} is owned by user {}, not by user {} that runs bscbot; "
                                               "run: chown {} {}",
                                               path.string(), user_name(st.st_uid), user_name(::geteuid()), ::geteuid(), path.string()));
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

namespace bscbot::core::trade {

std::vector<chain::PrivateKey> load_trading_keys(const config::Config& cfg) {
  std::vector<chain::PrivateKey> keys;
  std::vector<std::string> origins;
  const auto add = [&](chain::PrivateKey key, std::string origin) {
    const chain::Address address = key.address();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].address() == address) {
        throw Error(ErrorKind::config, fmt::format("trading wallet {} is configured twice ({} and {}); keep one", address.to_checksum(),
                                                   origins[i], origin));
      }
    }
    keys.push_back(std::move(key));
    origins.push_back(std::move(origin));
  };
  if (auto key = load_trading_key(cfg)) {
    add(std::move(*key), cfg.is_set("TRADING_KEY_FILE") ? cfg.path("TRADING_KEY_FILE").string() : "TRADING_PRIVATE_KEY");
  }
  for (const std::string& file : cfg.list("TRADING_KEY_FILES")) add(read_key_file(file), file);
  if (cfg.is_set("TRADING_KEY_DIR")) {
    const std::filesystem::path dir = cfg.path("TRADING_KEY_DIR");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw Error(ErrorKind::config, fmt::format("TRADING_KEY_DIR (from {}) is {}, not a folder", cfg.source("TRADING_KEY_DIR").describe(), dir.string()));
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".key") files.push_back(entry.path());
    }
    if (ec) throw Error(ErrorKind::config, fmt::format("cannot list TRADING_KEY_DIR {}: {}", dir.string(), ec.message()));
    if (files.empty()) throw Error(ErrorKind::config, fmt::format("TRADING_KEY_DIR {} holds no *.key file", dir.string()));
    std::sort(files.begin(), files.end());
    for (const auto& file : files) add(read_key_file(file), file.string());
  }
  return keys;
}

}  // namespace bscbot::core::trade
