#include "core/backup/manifest.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::core::backup {

json to_json(const Manifest& m) {
  json j = {
      {"format", m.format},
      {"file", m.file},
      {"tier", m.tier},
      {"sequence", m.sequence},
      {"created_at", m.created_at},
      {"backend", std::string(to_string(m.backend))},
      {"source", m.source},
      {"host", m.host},
      {"bscbot_version", m.bscbot_version},
      {"compression", std::string(to_string(m.compression))},
      {"size_bytes", m.size_bytes},
      {"sha256", m.sha256},
      {"spot_sha256", m.spot_sha256},
      {"database_bytes", m.database_bytes},
      {"database_sha256", m.database_sha256},
      {"page_size", m.page_size},
      {"page_count", m.page_count},
      {"application_id", m.application_id},
      {"schema_version", m.schema_version},
      {"schema_migration", m.schema_migration},
      {"tables", m.tables},
      {"newest_trade", m.newest_trade ? json(*m.newest_trade) : json(nullptr)},
      {"max_trade_id", m.max_trade_id ? json(*m.max_trade_id) : json(nullptr)},
      {"check_level", m.check_level},
      {"check", m.check},
      {"duration_ms", m.duration_ms},
  };
  if (m.backend == BackupFormat::pg_dump) {
    j["server_version"] = m.server_version;
    j["tool"] = m.tool;
  }
  return j;
}

Manifest manifest_from_json(const json& j, const std::string& origin) {
  const auto bad = [&](const std::string& what) {
    return Error(ErrorKind::data, fmt::format("manifest {} is not usable: {}", origin, what));
  };
  if (!j.is_object()) throw bad("not a JSON object");
  Manifest m;
  try {
    m.format = j.at("format").get<int>();
    if (m.format > k_manifest_format) {
      throw bad(fmt::format("format {} is newer than this bscbot reads ({})", m.format, k_manifest_format));
    }
    m.file = j.at("file").get<std::string>();
    m.tier = j.value("tier", "");
    m.sequence = j.value("sequence", std::int64_t{0});
    m.created_at = j.at("created_at").get<std::string>();
    const std::string backend = j.value("backend", "sqlite");  // manifests before PostgreSQL have none
    if (backend == "pg_dump") m.backend = BackupFormat::pg_dump;
    else if (backend != "sqlite") throw bad(fmt::format("unknown backend '{}'", backend));
    m.source = j.value("source", "");
    m.server_version = j.value("server_version", "");
    m.tool = j.value("tool", "");
    m.host = j.value("host", "");
    m.bscbot_version = j.value("bscbot_version", "");
    const std::string compression = j.value("compression", "none");
    const auto c = parse_compression(compression);
    if (!c) throw bad(fmt::format("unknown compression '{}'", compression));
    m.compression = *c;
    m.size_bytes = j.at("size_bytes").get<std::uintmax_t>();
    m.sha256 = j.at("sha256").get<std::string>();
    m.spot_sha256 = j.value("spot_sha256", "");
    m.database_bytes = j.value("database_bytes", m.size_bytes);
    m.database_sha256 = j.value("database_sha256", m.compression == Compression::none ? m.sha256 : std::string());
    m.page_size = j.value("page_size", std::int64_t{0});
    m.page_count = j.value("page_count", std::int64_t{0});
    m.application_id = j.value("application_id", std::uint32_t{0});
    m.schema_version = j.value("schema_version", 0);
    m.schema_migration = j.value("schema_migration", "");
    if (j.contains("tables")) m.tables = j.at("tables").get<std::map<std::string, std::int64_t>>();
    if (j.contains("newest_trade") && !j.at("newest_trade").is_null()) m.newest_trade = j.at("newest_trade").get<std::string>();
    if (j.contains("max_trade_id") && !j.at("max_trade_id").is_null()) m.max_trade_id = j.at("max_trade_id").get<std::int64_t>();
    m.check_level = j.value("check_level", "");
    m.check = j.value("check", "");
    m.duration_ms = j.value("duration_ms", std::int64_t{0});
  } catch (const json::exception& e) {
    throw bad(e.what());
  }
  if (m.sha256.size() != 64) throw bad("sha256 is not 64 hex digits");
  if (!m.spot_sha256.empty() && m.spot_sha256.size() != 64) throw bad("spot_sha256 is not 64 hex digits");
  return m;
}

std::string_view to_string(BackupFormat f) { return f == BackupFormat::pg_dump ? "pg_dump" : "sqlite"; }

BackupFormat format_of(const fs::path& file) { return file.extension() == ".pgdump" ? BackupFormat::pg_dump : BackupFormat::sqlite; }

fs::path manifest_path(const fs::path& backup) { return backup.string() + ".json"; }

std::optional<Manifest> read_manifest(const fs::path& backup) {
  const fs::path path = manifest_path(backup);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string text = read_file(path);
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(ErrorKind::data, fmt::format("manifest {} is not valid JSON", path.string()));
  return manifest_from_json(j, path.string());
}

void write_manifest(const fs::path& backup, const Manifest& m) {
  atomic_write_file(manifest_path(backup), to_json(m).dump(2) + "\n", fs::perms(0600));
}

}  // namespace bscbot::core::backup
