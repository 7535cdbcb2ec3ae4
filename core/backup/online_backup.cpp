#include "core/backup/online_backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <thread>

#include "core/backup/copy_digest.hpp"
#include "core/backup/staged_file.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

// One raw SQLite connection: the backup API needs the C handle, and nothing here needs more.
class Connection {
public:
  Connection(const fs::path& path, int flags, int busy_timeout_ms, const char* vfs = nullptr) {
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, vfs);
    if (rc != SQLITE_OK) {
      const std::string why = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
      sqlite3_close_v2(m_db);
      m_db = nullptr;
      throw Error(ErrorKind::database, fmt::format("cannot open {}: {}", path.string(), why));
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, busy_timeout_ms);
  }
  ~Connection() { sqlite3_close_v2(m_db); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return m_db; }

  // Runs `sql` and returns the first column of its first row ("" when none); throws on error.
  std::string query(const char* sql, const fs::path& path) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr);
    std::string value;
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        if (const unsigned char* text = sqlite3_column_text(stmt, 0)) value = reinterpret_cast<const char*>(text);
        rc = SQLITE_OK;
      } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) {
      throw Error(ErrorKind::database, fmt::format("{} on {} failed: {}", sql, path.string(), sqlite3_errmsg(m_db)));
    }
    return value;
  }

private:
  sqlite3* m_db = nullptr;
};

// The error for a failed step: out of space and other write failures of the copy are io, the
// rest (a corrupt or unreadable source) database.
[[noreturn]] void step_failed(int rc, const Connection& source, const Connection& dest, const fs::path& source_path,
                              const fs::path& report_as) {
  const int dest_errno = sqlite3_system_errno(dest.get());
  if ((rc & 0xff) == SQLITE_FULL || is_out_of_space(dest_errno)) {
    throw Error(ErrorKind::io, write_error_message(report_as, dest_errno != 0 && is_out_of_space(dest_errno) ? dest_errno : ENOSPC));
  }
  if ((rc & 0xff) == SQLITE_IOERR && dest_errno != 0) {
    throw Error(ErrorKind::io, write_error_message(report_as, dest_errno));
  }
  const char* why = sqlite3_errcode(source.get()) != SQLITE_OK ? sqlite3_errmsg(source.get()) : sqlite3_errstr(rc);
  throw Error(ErrorKind::database, fmt::format("copying database {} failed: {}", source_path.string(), why));
}

// The copy's page 1 as it will be once the copy is done, for CopyDigest: the source's page 1 of
// the snapshot with what SQLite changes in it (measured on 3.40): the file-format bytes 18-19 say
// rollback journal instead of WAL, the in-header size (28-31) is the snapshot's page count, and
// the change counter (24-27), the version-valid-for number (92-95) and the schema cookie (40-43)
// are the copy's own, not the source's: counted from 0 (it was empty), the counter and its
// version by the backup's commit and the switch out of WAL (2), the cookie by the backup (1).
// Read from the
// file, which lags the snapshot while a newer page 1 is still in the WAL (only its size, the
// usual difference, is put right); the digest then finds the guess wrong at the end and the file
// is hashed as before. Empty when unreadable.
std::string predict_page1(const fs::path& source, std::int64_t page_size, std::int64_t page_count) {
  std::string page(static_cast<std::size_t>(page_size), '\0');
  const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const bool read = ::pread(fd, page.data(), page.size(), 0) == static_cast<ssize_t>(page.size());
  ::close(fd);
  if (!read || page.size() < 100) return {};
  const auto put4 = [&](std::size_t at, std::int64_t value) {
    for (std::size_t i = 0; i < 4; ++i) page[at + i] = static_cast<char>((value >> (8 * (3 - i))) & 0xff);
  };
  page[18] = page[19] = 1;
  put4(24, 2);
  put4(28, page_count);
  put4(40, 1);
  put4(92, 2);
  return page;
}

}  // namespace

void remove_side_files(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"-journal", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
}

CopyResult copy_database(const fs::path& source, const fs::path& dest, const CopyOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const fs::path report_as = options.report_as.empty() ? dest : options.report_as;
  if (!fs::exists(source)) {
    throw Error(ErrorKind::not_found, fmt::format("database {} does not exist; check DATA_DIR/DB_PATH", source.string()));
  }
  CopyResult result;
  {
    // Read-write when allowed, so that closing the last connection tidies the -wal and -shm
    // away as any SQLite client does; read-only for a backup user without write access.
    std::optional<Connection> opened;
    try {
      opened.emplace(source, SQLITE_OPEN_READWRITE, options.busy_timeout_ms);
    } catch (const Error&) {
      opened.emplace(source, SQLITE_OPEN_READONLY, options.busy_timeout_ms);
    }
    Connection& src = *opened;
    if (options.digest) options.digest->observe();
    Connection dst(dest, SQLITE_OPEN_READWRITE, options.busy_timeout_ms, options.digest ? CopyDigest::vfs_name() : nullptr);
    // The copy is a fresh private file: no journal, no syncs until the caller's one fsync.
    dst.query("PRAGMA journal_mode = OFF", dest);
    dst.query("PRAGMA synchronous = OFF", dest);

    // In WAL mode a read transaction pins one snapshot without blocking writers, so every step
    // reads the same consistent database and writes by the daemon cannot restart the copy. In
    // rollback mode a held read lock would block writers; there SQLite's own restart applies.
    result.snapshot = src.query("PRAGMA journal_mode", source) == "wal";
    if (result.snapshot) {
      // The digest predicts the copy's page 1 from the file's: a passive checkpoint first (what
      // the daemon's autocheckpoint does anyway, never waiting for its writers) brings the
      // file's page 1 up to date. A read-only connection cannot, and busy readers may stop it
      // short: either only makes the guess wrong, which the digest detects.
      if (options.digest) sqlite3_wal_checkpoint_v2(src.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      // While `gate` holds the write lock no commit can land, so a reader that begins now sees the
      // snapshot the copy's read below pins. The lock is held for two reads, microseconds.
      std::optional<Connection> gate;
      if (options.same_snapshot) {
        try {
          gate.emplace(source, SQLITE_OPEN_READWRITE, std::min(options.busy_timeout_ms, 1000));
          gate->query("BEGIN IMMEDIATE", source);
        } catch (const Error&) {
          gate.reset();  // read-only or busy: no second reader, which only costs the caller time
        }
      }
      src.query("BEGIN", source);
      src.query("SELECT COUNT(*) FROM sqlite_master", source);
      if (gate) {
        options.same_snapshot();
        result.shared_snapshot = true;
        gate->query("ROLLBACK", source);
      }
    }
    result.page_size = std::stoll(src.query("PRAGMA page_size", source));
    if (options.digest) {
      // Only a snapshot's first page can be known before the copy is done.
      std::string page1;
      if (result.snapshot) page1 = predict_page1(source, result.page_size, std::stoll(src.query("PRAGMA page_count", source)));
      if (page1.empty()) options.digest->abandon();
      else options.digest->start(dest, std::move(page1));
    }

    sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
    // Finishes the backup object on every way out, so the connections can close.
    struct Finisher {
      sqlite3_backup*& backup;
      ~Finisher() {
        if (backup != nullptr) sqlite3_backup_finish(backup);
      }
    } finisher{backup};
    if (backup == nullptr) {
      throw Error(ErrorKind::database, fmt::format("cannot start copying {}: {}", source.string(), sqlite3_errmsg(dst.get())));
    }
    const int step_pages = options.step_pages > 0 ? options.step_pages : -1;
    const auto busy_deadline_span = std::chrono::milliseconds(options.busy_timeout_ms);
    auto busy_since = std::chrono::steady_clock::time_point{};
    int rc = SQLITE_OK;
    while (true) {
      const auto step_start = std::chrono::steady_clock::now();
      rc = sqlite3_backup_step(backup, step_pages);
      const auto step_took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - step_start);
      if (step_took > result.longest_step) result.longest_step = step_took;
      ++result.steps;
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        const auto now = std::chrono::steady_clock::now();
        if (busy_since == std::chrono::steady_clock::time_point{}) busy_since = now;
        if (now - busy_since > busy_deadline_span) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      busy_since = {};
      if (rc != SQLITE_OK && rc != SQLITE_DONE) break;
      if (options.progress) {
        const std::int64_t total = sqlite3_backup_pagecount(backup);
        options.progress({total - sqlite3_backup_remaining(backup), total, result.page_size});
      }
      if (rc == SQLITE_DONE) break;
      if (options.step_sleep.count() > 0) std::this_thread::sleep_for(options.step_sleep);
    }
    result.pages = sqlite3_backup_pagecount(backup);
    const int finish_rc = sqlite3_backup_finish(backup);
    backup = nullptr;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      throw Error(ErrorKind::database,
                  fmt::format("database {} stayed locked for more than {} ms; try again (DB_BUSY_TIMEOUT_MS)", source.string(),
                              options.busy_timeout_ms));
    }
    if (rc != SQLITE_DONE) step_failed(rc, src, dst, source, report_as);
    if (finish_rc != SQLITE_OK) step_failed(finish_rc, src, dst, source, report_as);
    if (result.snapshot) {
      src.query("COMMIT", source);
      // While the snapshot was held no checkpoint could pass it, so the WAL holds every commit made
      // during the copy; the daemon's next commit would checkpoint all of them (and fsync the
      // database) before it returns: a writer stall that grows with the backup's length (tens of
      // milliseconds after a 1.7 GB copy, bench/run). A passive checkpoint here does that work in this process
      // instead; the daemon's own autocheckpoint meanwhile finds the checkpointer busy and skips.
      // Like the one before the copy it is an optimisation: one that cannot run changes nothing.
      sqlite3_wal_checkpoint_v2(src.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }

    // The copied header still says WAL when the source was; a backup is one file, so switch it
    // to rollback mode (restore switches the restored database back to WAL).
    const std::string mode = dst.query("PRAGMA journal_mode = DELETE", dest);
    if (mode != "delete") {
      throw Error(ErrorKind::database, fmt::format("the copy {} refused rollback-journal mode (journal_mode is {})", report_as.string(), mode));
    }
  }
  remove_side_files(dest);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace bscbot::core::backup
