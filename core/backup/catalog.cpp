#include "core/backup/catalog.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/backup/sha256.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_backup_name(const std::string& name) {
  return ends_with(name, ".sqlite") || ends_with(name, ".sqlite.gz") || ends_with(name, ".sqlite.zst") || ends_with(name, ".pgdump");
}

SystemTime mtime_of(const fs::path& path) {
  std::error_code ec;
  const auto ft = fs::last_write_time(path, ec);
  if (ec) return {};
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      ft - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
}

BackupEntry read_entry(const fs::path& path, Tier tier) {
  BackupEntry e;
  e.path = path;
  e.tier = tier;
  std::error_code ec;
  e.size_bytes = fs::file_size(path, ec);
  try {
    e.manifest = read_manifest(path);
  } catch (const Error& err) {
    e.state = BackupState::bad_manifest;
    e.problem = err.what();
  }
  if (e.manifest) {
    std::string spot;
    if (e.manifest->size_bytes == e.size_bytes && !e.manifest->spot_sha256.empty()) {
      try {
        spot = spot_sha256(path);
      } catch (const Error& err) {
        spot = err.what();
      }
    }
    if (e.manifest->size_bytes != e.size_bytes) {
      e.state = BackupState::size_mismatch;
      e.problem = fmt::format("the file has {} bytes, its manifest says {}", e.size_bytes, e.manifest->size_bytes);
    } else if (!e.manifest->spot_sha256.empty() && spot != e.manifest->spot_sha256) {
      e.state = BackupState::checksum_mismatch;
      e.problem = "the file is not the one its manifest describes (its spot checksum differs); run `bscbot backup verify` on it";
    } else if (e.manifest->check != "ok") {
      e.state = BackupState::failed_check;
      e.problem = fmt::format("its check reported: {}", e.manifest->check);
    } else {
      e.state = BackupState::good;
    }
    try {
      e.taken_at = parse_sql_datetime(e.manifest->created_at);
      e.taken_at_from = "manifest";
    } catch (const Error&) {
    }
  } else if (e.state == BackupState::no_manifest) {
    e.problem = "no manifest beside it";
  }
  if (e.taken_at_from.empty()) {
    if (const auto t = time_from_name(path.filename().string())) {
      e.taken_at = *t;
      e.taken_at_from = "name";
    } else {
      e.taken_at = mtime_of(path);
      e.taken_at_from = "mtime";
    }
  }
  return e;
}

}  // namespace

std::string_view to_string(BackupState state) {
  switch (state) {
    case BackupState::good: return "good";
    case BackupState::no_manifest: return "no manifest";
    case BackupState::bad_manifest: return "bad manifest";
    case BackupState::size_mismatch: return "size mismatch";
    case BackupState::checksum_mismatch: return "checksum mismatch";
    case BackupState::failed_check: return "failed check";
  }
  return "unknown";
}

bool newer(const BackupEntry& a, const BackupEntry& b) {
  if (a.sequence() != b.sequence()) return a.sequence() > b.sequence();
  if (a.taken_at != b.taken_at) return a.taken_at > b.taken_at;
  if (a.tier != b.tier) return a.tier < b.tier;  // the daily original before its weekly/monthly copy
  return a.path.filename() > b.path.filename();
}

std::uintmax_t Catalog::leftover_bytes() const {
  std::uintmax_t bytes = 0;
  for (const TempFile& t : temp_files) {
    if (!t.writer_alive) bytes += t.bytes;
  }
  std::error_code ec;
  for (const fs::path& m : orphan_manifests) {
    const auto size = fs::file_size(m, ec);
    if (!ec) bytes += size;
  }
  return bytes;
}

std::vector<fs::path> catalog_folders(const fs::path& backup_dir) {
  std::vector<fs::path> out = {backup_dir};
  for (Tier tier : k_tiers) out.push_back(backup_dir / std::string(to_string(tier)));
  return out;
}

std::uintmax_t reclaim_leftovers(const fs::path& backup_dir) {
  std::uintmax_t freed = 0;
  for (const fs::path& dir : catalog_folders(backup_dir)) freed += total_bytes(reclaim_temp_files(dir));
  for (const fs::path& manifest : scan_catalog(backup_dir).orphan_manifests) {
    std::error_code ec;
    const auto size = fs::file_size(manifest, ec);
    if (fs::remove(manifest, ec)) freed += size;
  }
  crash_point("backup.reclaimed");
  return freed;
}

Catalog scan_catalog(const fs::path& backup_dir) {
  Catalog c;
  c.dir = backup_dir;
  std::error_code ec;
  for (const fs::path& dir : catalog_folders(backup_dir)) {
    for (TempFile& t : find_temp_files(dir)) c.temp_files.push_back(std::move(t));
  }
  for (Tier tier : k_tiers) {
    const fs::path dir = backup_dir / std::string(to_string(tier));
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& item : fs::directory_iterator(dir, ec)) {
      const std::string name = item.path().filename().string();
      if (!item.is_regular_file(ec)) continue;
      if (name.starts_with(".")) continue;  // temp files (above) and the like
      if (ends_with(name, ".json")) {
        const fs::path backup = dir / name.substr(0, name.size() - 5);
        if (is_backup_name(backup.filename().string()) && !fs::exists(backup, ec)) c.orphan_manifests.push_back(item.path());
        continue;
      }
      if (is_backup_name(name)) c.entries.push_back(read_entry(item.path(), tier));
    }
  }
  std::sort(c.entries.begin(), c.entries.end(), newer);
  const fs::path pointer = latest_pointer(backup_dir);
  if (fs::is_symlink(pointer, ec)) {
    const fs::path target = fs::read_symlink(pointer, ec);
    if (!ec) c.latest = target.is_absolute() ? target : backup_dir / target;
  }
  return c;
}

std::optional<BackupEntry> newest_good(const Catalog& catalog, std::optional<Tier> tier) {
  for (const BackupEntry& e : catalog.entries) {
    if (e.good() && (!tier || e.tier == *tier)) return e;
  }
  return std::nullopt;
}

std::int64_t next_sequence(const Catalog& catalog) {
  std::int64_t top = 0;
  for (const BackupEntry& e : catalog.entries) top = std::max(top, e.sequence());
  return top + 1;
}

fs::path latest_pointer(const fs::path& backup_dir) { return backup_dir / "latest"; }

namespace {

// Points the symlink `pointer` at `backup` (relative to `backup_dir` when inside it), atomically:
// a new link renamed over the old one.
void replace_link(const fs::path& backup_dir, const fs::path& pointer, const fs::path& backup) {
  const fs::path target = backup.lexically_relative(backup_dir);
  const fs::path temp = temp_path_beside(pointer);
  std::error_code ec;
  fs::create_symlink(target.empty() ? backup : target, temp, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", temp.string(), ec.message()));
  crash_point("backup.latest_temp_linked");
  if (::rename(temp.c_str(), pointer.c_str()) != 0) {
    const int err = errno;
    fs::remove(temp, ec);
    throw Error(ErrorKind::io, fmt::format("cannot update {}: {}", pointer.string(), std::strerror(err)));
  }
}

}  // namespace

fs::path db_latest_link(const fs::path& backup_dir) { return backup_dir / "db_latest.sqlite"; }

void update_db_latest(const fs::path& backup_dir, const fs::path& backup) {
  replace_link(backup_dir, db_latest_link(backup_dir), backup);
  fsync_path(backup_dir);
}

void update_latest_pointer(const fs::path& backup_dir, const fs::path& backup) {
  replace_link(backup_dir, latest_pointer(backup_dir), backup);
  // The manual's weekly `sqlite3 backups/db_latest.sqlite "PRAGMA integrity_check;"` needs a
  // plain SQLite file there: the newest uncompressed SQLite backup (a compressed or pg_dump one
  // leaves it where it was).
  if (backup.extension() == ".sqlite") replace_link(backup_dir, db_latest_link(backup_dir), backup);
  fsync_path(backup_dir);
}

BackupLock::BackupLock(const fs::path& backup_dir) {
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create backup folder {}: {}", backup_dir.string(), ec.message()));
  const fs::path path = backup_dir / ".lock";
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) throw Error(ErrorKind::io, fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(m_fd);
    m_fd = -1;
    if (err == EWOULDBLOCK) {
      throw Error(ErrorKind::conflict,
                  fmt::format("another backup or prune is running on {} (it holds {}); try again when it is done",
                              backup_dir.string(), path.string()));
    }
    throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
}

BackupLock::~BackupLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

}  // namespace bscbot::core::backup
