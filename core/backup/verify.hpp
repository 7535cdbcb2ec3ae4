#pragma once
// `bscbot backup verify`: the manual's verify-backup script (integrity_check, the required
// tables, the trade count, the newest trade) plus what it could not do: the file against its
// manifest's size and SHA-256, a complete compression stream, a file cut short, a foreign SQLite
// file, and a schema newer than this bscbot. Restore runs it before touching anything.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/backup/compression.hpp"
#include "core/backup/inspect.hpp"
#include "core/backup/manifest.hpp"
#include "core/backup/staged_file.hpp"
#include "core/db/pg_tools.hpp"

namespace bscbot::core::backup {

enum class Verdict { pass, warn, fail };

std::string_view to_string(Verdict v);

struct VerifyCheck {
  std::string name;       // "manifest", "checksum", "sqlite", "size", "integrity", "identity", "tables", "schema", "trades"
  Verdict verdict = Verdict::pass;
  std::string detail;
};

struct VerifyReport {
  std::filesystem::path path;
  Compression compression = Compression::none;
  std::optional<Manifest> manifest;
  std::optional<DatabaseFacts> facts;
  std::vector<VerifyCheck> checks;
  bool ok() const;
  // "<check>: <detail>" of the first failed check; empty when ok.
  std::string problem() const;
};

struct VerifyOptions {
  CheckLevel level = CheckLevel::full;
  // When given, the verified database is written here (uncompressed) and checked there: restore
  // verifies and stages the file it swaps in with one read of the backup.
  StagedFile* extract_into = nullptr;
  ByteProgress progress;
  // A pg_dump backup is also restored into a scratch database on this server (and dropped), when
  // given: bscbot's own PostgreSQL server, where its role may create databases.
  std::optional<db::PgTarget> pg_server;
};

// Verifies `file`. Problems with the backup are reported as failed checks, never thrown; a
// missing file is core::Error(not_found) and an unreadable one core::Error(io).
VerifyReport verify_backup(const std::filesystem::path& file, const VerifyOptions& options);

}  // namespace bscbot::core::backup
