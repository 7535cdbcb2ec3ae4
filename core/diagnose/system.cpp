#include "core/diagnose/system.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace bscbot::core::diagnose {

namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

template <typename T>
std::optional<T> number(std::string_view text, int base = 10) {
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<std::string> read_small(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "0100007F" (IPv4, little-endian words as the kernel prints them) or 32 hex digits (IPv6).
std::string address_text(std::string_view hex, bool v6) {
  const std::size_t words_count = v6 ? 4 : 1;
  if (hex.size() != words_count * 8) return std::string(hex);
  unsigned char bytes[16] = {};
  for (std::size_t w = 0; w < words_count; ++w) {
    const auto v = number<std::uint32_t>(hex.substr(w * 8, 8), 16);
    if (!v) return std::string(hex);
    std::memcpy(bytes + w * 4, &*v, 4);  // the kernel printed the word in host order
  }
  char out[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, out, sizeof out)) return std::string(hex);
  return out;
}

}  // namespace

std::vector<Socket> parse_proc_net_tcp(std::string_view text, bool v6) {
  std::vector<Socket> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto w = words(line);
    if (w.size() < 10) continue;
    const auto colon = w[1].find(':');
    if (colon == std::string::npos) continue;
    Socket s;
    s.local_address = address_text(std::string_view(w[1]).substr(0, colon), v6);
    s.local_port = number<int>(std::string_view(w[1]).substr(colon + 1), 16).value_or(0);
    s.state = number<int>(w[3], 16).value_or(0);
    s.uid = number<unsigned>(w[7]).value_or(0);
    s.inode = number<std::uint64_t>(w[9]).value_or(0);
    out.push_back(s);
  }
  return out;
}

std::vector<FileLock> parse_proc_locks(std::string_view text) {
  std::vector<FileLock> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);
    if (w.size() < 8) continue;
    FileLock l;
    std::size_t i = 1;  // after "N:"
    if (w[i] == "->") {
      l.waiting = true;
      ++i;
    }
    if (w.size() < i + 7) continue;
    l.kind = w[i];
    l.access = w[i + 2];
    l.pid = number<pid_t>(w[i + 3]).value_or(0);
    // MAJOR:MINOR:INODE, the device numbers in hex.
    const std::string& dev = w[i + 4];
    const auto c1 = dev.find(':'), c2 = dev.rfind(':');
    if (c1 == std::string::npos || c2 == c1) continue;
    l.major = number<unsigned>(std::string_view(dev).substr(0, c1), 16).value_or(0);
    l.minor = number<unsigned>(std::string_view(dev).substr(c1 + 1, c2 - c1 - 1), 16).value_or(0);
    l.inode = number<std::uint64_t>(std::string_view(dev).substr(c2 + 1)).value_or(0);
    l.start = number<std::uint64_t>(w[i + 5]).value_or(0);
    if (w[i + 6] != "EOF") l.end = number<std::uint64_t>(w[i + 6]);
    out.push_back(l);
  }
  return out;
}

std::string ProcessInfo::describe() const {
  const std::string what = cmdline.empty() ? comm : cmdline;
  return fmt::format("{} ({})", pid, what.size() > 120 ? what.substr(0, 117) + "..." : what);
}

std::optional<ProcessInfo> process_info(const fs::path& root, pid_t pid) {
  const fs::path dir = root / std::to_string(pid);
  const auto comm = read_small(dir / "comm");
  if (!comm) return std::nullopt;
  ProcessInfo p;
  p.pid = pid;
  p.comm = *comm;
  while (!p.comm.empty() && (p.comm.back() == '\n' || p.comm.back() == ' ')) p.comm.pop_back();
  if (const auto cmd = read_small(dir / "cmdline")) {
    // As ps shows it: the program's name, then its arguments, on one line.
    std::vector<std::string> args;
    std::size_t start = 0;
    while (start < cmd->size()) {
      const auto end = cmd->find('\0', start);
      args.push_back(cmd->substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (!args.empty()) args[0] = fs::path(args[0]).filename().string();
    for (const auto& a : args) p.cmdline += (p.cmdline.empty() ? "" : " ") + a;
    for (char& c : p.cmdline) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
  }
  if (const auto status = read_small(dir / "status")) {
    std::istringstream in(*status);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("Uid:", 0) == 0) {
        const auto w = words(line);
        if (w.size() > 1) p.uid = number<unsigned>(w[1]);
      }
    }
  }
  return p;
}

std::map<std::uint64_t, std::vector<pid_t>> socket_owners(const fs::path& root, const std::vector<std::uint64_t>& inodes) {
  std::map<std::uint64_t, std::vector<pid_t>> out;
  if (inodes.empty()) return out;
  std::set<std::string> wanted;
  for (const auto i : inodes) wanted.insert(fmt::format("socket:[{}]", i));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto pid = number<pid_t>(entry.path().filename().string());
    if (!pid) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(entry.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(fd.path(), link_ec).string();
      if (link_ec || !wanted.count(target)) continue;
      const auto inode = number<std::uint64_t>(std::string_view(target).substr(8, target.size() - 9));
      if (!inode) continue;
      auto& owners = out[*inode];
      if (std::find(owners.begin(), owners.end(), *pid) == owners.end()) owners.push_back(*pid);
    }
  }
  return out;
}

std::vector<Listener> listeners_on(const fs::path& root, int port) {
  std::vector<Listener> out;
  for (const bool v6 : {false, true}) {
    const auto text = read_small(root / "net" / (v6 ? "tcp6" : "tcp"));
    if (!text) continue;
    for (const Socket& s : parse_proc_net_tcp(*text, v6)) {
      if (s.state == 0x0A && s.local_port == port) out.push_back({s, {}});
    }
  }
  std::vector<std::uint64_t> inodes;
  for (const auto& l : out) inodes.push_back(l.socket.inode);
  const auto owners = socket_owners(root, inodes);
  for (auto& l : out) {
    if (const auto it = owners.find(l.socket.inode); it != owners.end()) {
      for (const pid_t pid : it->second) {
        if (auto p = process_info(root, pid)) l.owners.push_back(std::move(*p));
      }
    }
  }
  return out;
}

std::optional<FileId> file_id(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return FileId{major(st.st_dev), minor(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace bscbot::core::diagnose
