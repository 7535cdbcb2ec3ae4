#include "core/backup/verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "core/backup/pg_backup.hpp"
#include "core/backup/sha256.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string first_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char buf[8] = {};
  in.read(buf, sizeof buf);
  std::string hex;
  for (std::streamsize i = 0; i < in.gcount(); ++i) hex += fmt::format("{:02x}", static_cast<unsigned char>(buf[i]));
  return hex.empty() ? "none" : hex;
}

class Checks {
public:
  explicit Checks(VerifyReport& report) : m_report(report) {}
  void pass(std::string name, std::string detail) { add(std::move(name), Verdict::pass, std::move(detail)); }
  void warn(std::string name, std::string detail) { add(std::move(name), Verdict::warn, std::move(detail)); }
  void fail(std::string name, std::string detail) { add(std::move(name), Verdict::fail, std::move(detail)); }

private:
  void add(std::string name, Verdict v, std::string detail) { m_report.checks.push_back({std::move(name), v, std::move(detail)}); }
  VerifyReport& m_report;
};

void check_manifest_digest(Checks& checks, const Manifest& m, const StreamDigest& d) {
  if (d.stored_bytes != m.size_bytes) {
    checks.fail("checksum", fmt::format("the file has {} bytes, the manifest recorded {}: it was cut short or changed", d.stored_bytes, m.size_bytes));
  } else if (d.stored_sha256 != m.sha256) {
    checks.fail("checksum", fmt::format("SHA-256 {} differs from the manifest's {}: the file changed after it was written", d.stored_sha256, m.sha256));
  } else if (!m.database_sha256.empty() && d.plain_sha256 != m.database_sha256) {
    checks.fail("checksum", fmt::format("the database inside has SHA-256 {}, the manifest recorded {}", d.plain_sha256, m.database_sha256));
  } else {
    checks.pass("checksum", fmt::format("SHA-256 {} matches the manifest", d.stored_sha256));
  }
}

// The database facts against the manifest's: a snapshot never changes, so they must be equal.
void check_against_manifest(Checks& checks, const Manifest& m, const DatabaseFacts& f) {
  std::vector<std::string> differences;
  for (const auto& [table, rows] : m.tables) {
    if (f.rows(table) != rows) differences.push_back(fmt::format("{} {} (manifest {})", table, f.rows(table), rows));
  }
  if (m.newest_trade != f.newest_trade) {
    differences.push_back(fmt::format("newest trade {} (manifest {})", f.newest_trade.value_or("none"), m.newest_trade.value_or("none")));
  }
  if (m.schema_version != f.schema.current) {
    differences.push_back(fmt::format("schema {} (manifest {})", f.schema.current, m.schema_version));
  }
  if (!differences.empty()) checks.fail("manifest facts", "the database differs from its manifest: " + join(differences));
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::warn: return "warn";
    case Verdict::fail: return "fail";
  }
  return "fail";
}

bool VerifyReport::ok() const {
  return std::none_of(checks.begin(), checks.end(), [](const VerifyCheck& c) { return c.verdict == Verdict::fail; });
}

std::string VerifyReport::problem() const {
  for (const VerifyCheck& c : checks) {
    if (c.verdict == Verdict::fail) return c.name + ": " + c.detail;
  }
  return {};
}

VerifyReport verify_backup(const fs::path& file, const VerifyOptions& options) {
  if (format_of(file) == BackupFormat::pg_dump) return verify_pg_backup(file, options);
  VerifyReport report;
  report.path = file;
  Checks checks(report);
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(ErrorKind::not_found, fmt::format("backup {} does not exist", file.string()));
  if (!fs::is_regular_file(file, ec)) {
    checks.fail("file", "not a regular file");
    return report;
  }
  const auto size = fs::file_size(file, ec);
  if (size == 0) {
    checks.fail("file", "the file is empty");
    return report;
  }

  try {
    report.manifest = read_manifest(file);
    if (report.manifest) {
      checks.pass("manifest", fmt::format("{} taken {} from {}", manifest_path(file).filename().string(), report.manifest->created_at,
                                          report.manifest->source));
    } else {
      checks.warn("manifest", "no manifest beside it (not made by bscbot?): the checksum cannot be compared");
    }
  } catch (const Error& e) {
    checks.fail("manifest", e.what());
  }

  report.compression = detect_compression(file);
  if (report.manifest && report.manifest->compression != report.compression) {
    checks.fail("compression", fmt::format("the manifest says {}, the file is {}", to_string(report.manifest->compression),
                                           to_string(report.compression)));
  }

  // The database to open: the file itself, or an uncompressed copy (extracted for restore, or a
  // private temp file beside the backup that goes away with this function).
  std::optional<StagedFile> own_copy;
  StagedFile* copy = options.extract_into;
  if (copy == nullptr && report.compression != Compression::none) {
    own_copy.emplace(fs::path(file.string() + ".verify"), fs::perms(0600));
    copy = &*own_copy;
  }
  try {
    const StreamDigest digest = expand(file, report.compression, copy, options.progress);
    if (copy) copy->finish();
    if (report.compression != Compression::none) {
      checks.pass("compression", fmt::format("complete {} stream, {} bytes inside", to_string(report.compression), digest.plain_bytes));
    }
    if (report.manifest) check_manifest_digest(checks, *report.manifest, digest);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::data) throw;
    checks.fail("compression", e.what());
    return report;
  }
  const fs::path database = copy ? copy->temp_path() : file;

  const FileHeader header = read_header(database);
  if (!header.sqlite) {
    checks.fail("sqlite", fmt::format("not an SQLite database (it starts with {})", first_bytes(database)));
    return report;
  }
  const auto database_bytes = fs::file_size(database, ec);
  if (header.page_count_valid) {
    const std::uintmax_t expected = std::uintmax_t{header.page_size} * header.page_count;
    if (database_bytes < expected) {
      checks.fail("size", fmt::format("the file has {} bytes but its header says {} pages of {} ({} bytes): it is truncated",
                                      database_bytes, header.page_count, header.page_size, expected));
      return report;
    }
    checks.pass("size", fmt::format("{} pages of {} bytes", header.page_count, header.page_size));
  }

  DatabaseFacts facts;
  try {
    auto db = open_snapshot(database);
    facts = inspect_database(*db, options.level);
  } catch (const Error& e) {
    checks.fail("open", e.what());
    return report;
  }
  report.facts = facts;
  if (options.level == CheckLevel::none) {
    checks.warn("integrity", "not checked (--check none)");
  } else if (facts.check == "ok") {
    checks.pass("integrity", options.level == CheckLevel::full ? "PRAGMA integrity_check: ok" : "PRAGMA quick_check: ok");
  } else {
    checks.fail("integrity", fmt::format("{}: {}", options.level == CheckLevel::full ? "PRAGMA integrity_check" : "PRAGMA quick_check", facts.check));
    return report;
  }

  if (facts.application_id == static_cast<std::uint32_t>(db::k_application_id)) {
    checks.pass("identity", "application_id BSCB: a bscbot database");
  } else if (facts.application_id == 0) {
    checks.pass("identity", "application_id not set: a database of the Node.js bot or an older bscbot");
  } else {
    checks.fail("identity", fmt::format("application_id 0x{:08x}: this SQLite file belongs to another program", facts.application_id));
  }

  if (facts.missing_tables.empty()) {
    checks.pass("tables", join(db::required_tables()) + " present");
  } else {
    checks.fail("tables", fmt::format("missing {}: not a trading-bot database", join(facts.missing_tables)));
  }

  if (facts.schema.newer()) {
    try {
      db::require_known_schema(facts.schema, file.string());
    } catch (const Error& e) {
      checks.fail("schema", e.what());
    }
  } else if (!facts.schema.pending.empty()) {
    checks.pass("schema", fmt::format("schema {} of {}: restore applies {} migration(s)", facts.schema.current, facts.schema.latest,
                                      facts.schema.pending.size()));
  } else {
    checks.pass("schema", fmt::format("schema {} (current)", facts.schema.current));
  }

  checks.pass("trades", fmt::format("{} trades, newest {}", facts.rows("trades"), facts.newest_trade.value_or("none")));
  if (report.manifest) check_against_manifest(checks, *report.manifest, facts);
  return report;
}

}  // namespace bscbot::core::backup
