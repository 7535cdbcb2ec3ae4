#include "core/checks/backups.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "core/db/database.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::checks {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const std::string k_sqlite_magic("SQLite format 3\0", 16);

std::string read_prefix(const fs::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

// The first 16 decompressed bytes of a gzip file.
std::string gunzip_prefix(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f) return {};
  std::array<char, 16> buf{};
  const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
  gzclose(f);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

// The first 16 decompressed bytes of a zstd file.
std::string unzstd_prefix(const fs::path& p) {
  const std::string in_bytes = read_prefix(p, 64 * 1024);
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (!stream) return {};
  ZSTD_initDStream(stream);
  std::string out(128 * 1024, '\0');
  ZSTD_inBuffer in{in_bytes.data(), in_bytes.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  while (in.pos < in.size && ob.pos < 16) {
    if (ZSTD_isError(ZSTD_decompressStream(stream, &ob, &in))) break;
  }
  ZSTD_freeDStream(stream);
  return out.substr(0, std::min<std::size_t>(ob.pos, 16));
}

}  // namespace

std::vector<BackupFile> find_backups(const fs::path& dir) {
  std::vector<BackupFile> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    std::string compression;
    if (ends_with(name, ".sqlite")) compression = "";
    else if (ends_with(name, ".sqlite.gz")) compression = "gzip";
    else if (ends_with(name, ".sqlite.zst")) compression = "zstd";
    else if (ends_with(name, ".pgdump")) compression = "pg_dump";
    else continue;
    if (!name.empty() && name[0] == '.') continue;  // temp files of a backup in progress
    std::error_code fe;
    const auto mtime = it->last_write_time(fe);
    if (fe) continue;
    out.push_back({it->path(), std::chrono::time_point_cast<SystemTime::duration>(std::chrono::file_clock::to_sys(mtime)),
                   it->file_size(fe), compression});
  }
  std::sort(out.begin(), out.end(), [](const BackupFile& a, const BackupFile& b) {
    return a.modified != b.modified ? a.modified > b.modified : a.path > b.path;
  });
  return out;
}

BackupVerdict inspect_backup(const BackupFile& file, BackupDepth depth) {
  if (file.bytes == 0) return {false, "empty file"};
  // A PostgreSQL backup: pg_dump's custom format starts with "PGDMP" (its checksum and contents
  // are `bscbot backup verify`'s).
  if (file.compression == "pg_dump") {
    return read_prefix(file.path, 5) == "PGDMP" ? BackupVerdict{true, "ok"} : BackupVerdict{false, "not a pg_dump archive (bad header)"};
  }
  const std::string head = file.compression == "gzip"   ? gunzip_prefix(file.path)
                           : file.compression == "zstd" ? unzstd_prefix(file.path)
                                                        : read_prefix(file.path, 16);
  if (head.size() < 16 || head != k_sqlite_magic) {
    return {false, file.compression.empty() ? "not an SQLite database (bad header)"
                                            : "does not decompress to an SQLite database"};
  }
  if (depth == BackupDepth::quick_check && file.compression.empty()) {
    const std::string result = db::quick_check_immutable(file.path);
    if (result.rfind("cannot read: ", 0) == 0) return {false, result};
    if (result != "ok") return {false, "quick_check: " + result};
  }
  return {true, "ok"};
}

std::optional<BackupFile> newest_good_backup(const std::vector<BackupFile>& backups, BackupDepth depth,
                                             std::vector<std::pair<BackupFile, std::string>>* rejected) {
  for (const BackupFile& b : backups) {
    const BackupVerdict v = inspect_backup(b, depth);
    if (v.good) return b;
    if (rejected) rejected->emplace_back(b, v.reason);
  }
  return std::nullopt;
}

}  // namespace bscbot::core::checks
