#pragma once
// The JSON sidecar of each backup ("<backup>.json"): when and from where it was taken, its size
// and SHA-256, the schema version and the manual's facts (row counts, newest trade). `backup list`
// reads it instead of opening every database; `backup verify` checks the file against it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/backup/compression.hpp"

namespace bscbot::core::backup {

inline constexpr int k_manifest_format = 1;

// What a backup file holds: a SQLite database (maybe compressed) or a pg_dump custom-format
// archive of a PostgreSQL database.
enum class BackupFormat { sqlite, pg_dump };
std::string_view to_string(BackupFormat f);
// By the file name: ".pgdump" is pg_dump's, everything else ours.
BackupFormat format_of(const std::filesystem::path& file);

struct Manifest {
  int format = k_manifest_format;
  std::string file;                 // the backup's file name, without folder
  std::string tier;                 // "daily", "weekly", "monthly" or "manual"
  std::int64_t sequence = 0;        // 1, 2, ... per backup folder: orders backups without the clock
  std::string created_at;           // ISO-8601 UTC, when the snapshot was taken
  BackupFormat backend = BackupFormat::sqlite;  // "sqlite" or "pg_dump" in the JSON
  std::string source;               // absolute path of the live database, or its URL without password
  std::string server_version;       // PostgreSQL: the server's version
  std::string tool;                 // PostgreSQL: the pg_dump that wrote it
  std::string host;
  std::string bscbot_version;
  Compression compression = Compression::none;
  std::uintmax_t size_bytes = 0;    // the file as stored
  std::string sha256;               // of the file as stored (compared in full by `backup verify`)
  std::string spot_sha256;          // spot_sha256() of the file as stored (compared by the catalog); empty in older manifests
  std::uintmax_t database_bytes = 0;  // the database inside (equal to size_bytes uncompressed)
  std::string database_sha256;
  std::int64_t page_size = 0;
  std::int64_t page_count = 0;
  std::uint32_t application_id = 0;
  int schema_version = 0;
  std::string schema_migration;     // newest applied migration, e.g. "0002_daemon_state"
  std::map<std::string, std::int64_t> tables;   // row counts: trades, users, wallets
  std::optional<std::string> newest_trade;      // MAX(created_at) of trades
  std::optional<std::int64_t> max_trade_id;
  std::string check_level;          // "quick", "full" or "none"
  std::string check;                // "ok" (a backup that fails its check is not kept)
  std::int64_t duration_ms = 0;
};

nlohmann::json to_json(const Manifest& m);

// Parses a manifest; throws core::Error(data) naming `origin` and the bad field.
Manifest manifest_from_json(const nlohmann::json& j, const std::string& origin);

// "<backup>.json", beside the backup.
std::filesystem::path manifest_path(const std::filesystem::path& backup);

// The sidecar of `backup`, or nullopt when there is none; a sidecar that does not parse is
// core::Error(data).
std::optional<Manifest> read_manifest(const std::filesystem::path& backup);

// Writes the sidecar of `backup` atomically (mode 600, like the backup).
void write_manifest(const std::filesystem::path& backup, const Manifest& m);

}  // namespace bscbot::core::backup
