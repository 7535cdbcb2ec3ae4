#include "core/backup/create.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <future>

#include "core/backup/catalog.hpp"
#include "core/backup/copy_digest.hpp"
#include "core/backup/inspect.hpp"
#include "core/backup/publish.hpp"
#include "core/backup/sha256.hpp"
#include "core/backup/staged_file.hpp"
#include "core/backup/writeback.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"
#include "core/version.hpp"
#include "core/util/units.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

constexpr std::uintmax_t k_space_margin = 16ull << 20;

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

std::uintmax_t space_needed(const fs::path& database, Compression compression) {
  std::error_code ec;
  std::uintmax_t bytes = fs::file_size(database, ec);
  if (ec) bytes = 0;
  const auto wal = fs::file_size(database.string() + "-wal", ec);
  if (!ec) bytes += wal;
  return (compression == Compression::none ? bytes : 2 * bytes) + k_space_margin;
}

CreateResult create_backup(const CreateOptions& options, const Clock& clock) {
  const auto started = std::chrono::steady_clock::now();
  if (!fs::exists(options.database)) {
    throw Error(ErrorKind::not_found,
                fmt::format("database {} does not exist; check DATA_DIR/DB_PATH or run from the deployment folder", options.database.string()));
  }
  BackupLock lock(options.backup_dir);
  crash_point("backup.locked");
  // What killed runs left (temp files as big as the database, orphan manifests) goes first, so
  // its room counts for this backup.
  reclaim_leftovers(options.backup_dir);
  const Catalog catalog = scan_catalog(options.backup_dir);
  const SystemTime now = clock.now();
  const std::vector<Tier> tiers = tiers_for(now);
  const fs::path daily_dir = options.backup_dir / std::string(to_string(Tier::daily));
  std::error_code ec;
  fs::create_directories(daily_dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", daily_dir.string(), ec.message()));

  const std::uintmax_t needed = space_needed(options.database, options.compression);
  const std::uintmax_t available = options.available_bytes ? options.available_bytes(daily_dir) : available_bytes(daily_dir);
  if (available < needed) {
    std::uintmax_t in_use = 0;
    for (const TempFile& t : catalog.temp_files) in_use += t.writer_alive ? t.bytes : 0;
    throw Error(ErrorKind::io, fmt::format("not enough free space for a backup in {}: {} free, about {} needed for {}{}; free space "
                                           "or point BACKUP_DIR at a larger disk; nothing was written",
                                           daily_dir.string(), bytes_text(static_cast<double>(available)), bytes_text(static_cast<double>(needed)),
                                           options.database.string(),
                                           in_use == 0 ? std::string()
                                                       : fmt::format(" ({} more are held by temp files of a backup or verify still running: "
                                                                     "see `bscbot backup list`)", bytes_text(static_cast<double>(in_use)))));
  }

  const fs::path daily = free_name(daily_dir, backup_file_name(Tier::daily, now, options.compression));
  const auto report = [&](const BackupProgress& p) {
    if (options.progress) options.progress(p);
  };

  // 1. The online copy, into a temp file that is removed on every failure.
  StagedFile plain(options.compression == Compression::none ? daily : fs::path(daily.string() + ".plain"), k_backup_mode);
  CopyOptions copy_options;
  copy_options.step_pages = options.step_pages;
  copy_options.step_sleep = options.step_sleep;
  copy_options.busy_timeout_ms = options.busy_timeout_ms;
  copy_options.report_as = daily;
  // The uncompressed copy is the backup itself: pace its writeback (a compressed backup's plain
  // copy is deleted before it would ever reach the disk).
  std::optional<WritebackPacer> pacer;
  // ... and hash it while it is written (core/backup/copy_digest.hpp): it is the file kept.
  std::optional<CopyDigest> copy_digest;
  if (options.compression == Compression::none) {
    pacer.emplace(plain.temp_path());
    copy_digest.emplace();
    copy_options.digest = &*copy_digest;
  }
  copy_options.progress = [&](const CopyProgress& p) {
    crash_point("backup.copying");
    if (pacer) pacer->advance(p.bytes_done());
    report({"copy", p.bytes_done(), p.bytes_total(), p.pages_done, p.pages_total});
  };
  // ... and count its rows meanwhile: the manifest's COUNT(*)s scan whole indexes (0.4 s of a
  // 1.7 GB backup's 3), on a reader the copy pins to its own snapshot (same_snapshot).
  std::future<RowFacts> counted;
  copy_options.same_snapshot = [&] {
    std::unique_ptr<SQLite::Database> reader;
    try {
      reader = open_reader(options.database, options.busy_timeout_ms);
    } catch (const SQLite::Exception&) {
      return;  // no reader: the rows are counted from the copy, as without one
    }
    counted = std::async(std::launch::async, [owned = std::move(reader)]() mutable {
      // Closed as soon as it is done, so the checkpoint after the copy can pass its snapshot.
      const std::unique_ptr<SQLite::Database> db = std::move(owned);
      return read_row_facts(*db);
    });
  };
  CreateResult result;
  result.copy = copy_database(options.database, plain.temp_path(), copy_options);
  crash_point("backup.copied");

  // 2. The copy must be sound before it is kept (the manual's integrity check after its cp). The
  // check and the hashing (or compressing) both only read the finished copy, so they run side by
  // side, while the kernel already writes the copy out for the final fsync.
  if (pacer) pacer->finish(static_cast<std::uint64_t>(result.copy.pages * result.copy.page_size));
  report({"check", 0, 0});
  const auto check_start = std::chrono::steady_clock::now();
  const bool count_on_copy = !counted.valid();
  std::future<DatabaseFacts> checked = std::async(std::launch::async, [&] {
    auto db = open_snapshot(plain.temp_path());
    DatabaseFacts f = inspect_database(*db, options.check, count_on_copy);
    result.check_time = since(check_start);
    return f;
  });

  // 3. Hash (and compress) into the file that is kept.
  const auto store_start = std::chrono::steady_clock::now();
  StreamDigest digest;
  std::optional<StagedFile> packed;
  std::exception_ptr store_error;
  try {
    const auto size = static_cast<std::uint64_t>(result.copy.pages * result.copy.page_size);
    if (std::optional<std::string> hex = copy_digest ? copy_digest->finish(size) : std::nullopt) {
      digest = {size, *hex, size, *hex};
      result.hashed_while_copying = true;
      report({"hash", size, size});
    } else if (options.compression == Compression::none) {
      digest = expand(plain.temp_path(), Compression::none, nullptr, [&](std::uintmax_t done, std::uintmax_t total) {
        report({"hash", done, total});
      });
    } else {
      packed.emplace(daily, k_backup_mode);
      digest = compress_into(plain.temp_path(), *packed, options.compression, [&](std::uintmax_t done, std::uintmax_t total) {
        report({"compress", done, total});
      });
    }
  } catch (...) {
    store_error = std::current_exception();
  }
  result.store_time = since(store_start);
  DatabaseFacts facts = checked.get();  // the check's own failure comes first
  if (!count_on_copy) {
    // The reader's counts stand only if it saw what the copy holds: the same newest trade.
    std::optional<RowFacts> rows;
    try {
      rows = counted.get();
    } catch (const SQLite::Exception&) {
      // the live database would not be read (a lock, a schema change): counted below instead
    }
    if (rows && rows->newest_trade == facts.newest_trade && rows->max_trade_id == facts.max_trade_id) {
      facts.tables = std::move(rows->tables);
      result.counted_while_copying = true;
    } else {
      facts.tables = inspect_database(*open_snapshot(plain.temp_path()), CheckLevel::none).tables;
    }
  }
  if (pacer) pacer->wait();  // the last window reaches the disk before the fsync that keeps the file
  if (store_error) std::rethrow_exception(store_error);
  if (!facts.check_ok()) {
    throw Error(ErrorKind::database, fmt::format("the copy of {} fails PRAGMA {}: {}; the live database may be damaged (run `bscbot db "
                                                 "check --full`); no backup was kept",
                                                 options.database.string(), options.check == CheckLevel::full ? "integrity_check" : "quick_check",
                                                 facts.check));
  }

  crash_point("backup.checked");
  Manifest& m = result.manifest;
  m.file = daily.filename().string();
  m.tier = std::string(to_string(Tier::daily));
  m.sequence = next_sequence(catalog);
  m.created_at = to_iso8601(now);
  m.source = fs::absolute(options.database).lexically_normal().string();
  m.host = host_name();
  m.bscbot_version = k_version;
  m.compression = options.compression;
  m.size_bytes = digest.stored_bytes;
  m.sha256 = digest.stored_sha256;
  m.database_bytes = digest.plain_bytes;
  m.database_sha256 = digest.plain_sha256;
  m.page_size = facts.page_size;
  m.page_count = facts.page_count;
  m.application_id = facts.application_id;
  m.schema_version = facts.schema.current;
  m.schema_migration = facts.schema.applied.empty() ? "" : facts.schema.applied.back();
  for (const auto& t : facts.tables) m.tables[t.name] = t.rows;
  m.newest_trade = facts.newest_trade;
  m.max_trade_id = facts.max_trade_id;
  m.check_level = std::string(to_string(options.check));
  m.check = facts.check == "skipped" ? "ok" : facts.check;
  m.duration_ms = since(started).count();

  // 4. In place: the manifest, the file, its tier copies, the pointer.
  // The file is dated by the same clock as its manifest, so its age reads the same everywhere.
  StagedFile& kept = packed ? *packed : plain;
  set_modified_time(kept.temp_path(), now);
  const Published published = publish_backup(kept, options.backup_dir, m, tiers, now);
  result.path = published.path;
  result.tier_copies = published.tier_copies;
  result.latest = published.latest;
  result.total_time = since(started);
  return result;
}

}  // namespace bscbot::core::backup
