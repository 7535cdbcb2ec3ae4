#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include "core/checks/backups.hpp"
#include "core/util/files.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::checks;
using bscbot::test::Scratch;
namespace fs = std::filesystem;

namespace {

void make_sqlite(const fs::path& p) {
  fs::create_directories(p.parent_path());
  SQLite::Database db(p.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE trades (id INTEGER PRIMARY KEY); INSERT INTO trades DEFAULT VALUES;");
}

void set_age(const fs::path& p, std::chrono::hours age) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - age);
}

}  // namespace

TEST_CASE("checks: backups are found below BACKUP_DIR newest first, plain and compressed") {
  Scratch s("backups-find");
  make_sqlite(s / "backups/daily/db_20261124_020000.sqlite");
  make_sqlite(s / "backups/weekly/db_2026_W47.sqlite");
  set_age(s / "backups/daily/db_20261124_020000.sqlite", std::chrono::hours(30));
  set_age(s / "backups/weekly/db_2026_W47.sqlite", std::chrono::hours(100));
  const std::string plain = read_file(s / "backups/daily/db_20261124_020000.sqlite");
  {
    gzFile gz = gzopen((s / "backups/daily/db_20261125_020000.sqlite.gz").c_str(), "wb");
    gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
    gzclose(gz);
  }
  std::string zst(ZSTD_compressBound(plain.size()), '\0');
  zst.resize(ZSTD_compress(zst.data(), zst.size(), plain.data(), plain.size(), 3));
  s.write("backups/monthly/db_2026_11.sqlite.zst", zst);
  set_age(s / "backups/monthly/db_2026_11.sqlite.zst", std::chrono::hours(200));
  s.write("backups/daily/.db_x.sqlite.tmp-1-0", "partial");
  s.write("backups/daily/db_20261124_020000.json", "{}");

  const auto all = find_backups(s / "backups");
  REQUIRE(all.size() == 4);
  CHECK(all[0].compression == "gzip");
  CHECK(all[1].path.filename() == "db_20261124_020000.sqlite");
  CHECK(all[3].compression == "zstd");
  for (const auto& b : all) CHECK_MESSAGE(inspect_backup(b, BackupDepth::quick_check).good, b.path);
  CHECK(find_backups(s / "no-such-folder").empty());
}

TEST_CASE("checks: the newest good backup skips damaged newer files") {
  Scratch s("backups-good");
  make_sqlite(s / "backups/daily/db_1.sqlite");
  set_age(s / "backups/daily/db_1.sqlite", std::chrono::hours(48));
  s.write("backups/daily/db_2.sqlite", "this is not a database at all, just text of some length........");
  set_age(s / "backups/daily/db_2.sqlite", std::chrono::hours(2));
  s.write("backups/daily/db_3.sqlite.gz", "not gzip");
  s.write("backups/daily/db_4.sqlite", "");
  std::vector<std::pair<BackupFile, std::string>> rejected;
  const auto good = newest_good_backup(find_backups(s / "backups"), BackupDepth::quick_check, &rejected);
  REQUIRE(good);
  CHECK(good->path.filename() == "db_1.sqlite");
  CHECK(rejected.size() == 3);
  // Checking never leaves -wal or -shm files beside a backup.
  CHECK_FALSE(fs::exists(s / "backups/daily/db_1.sqlite-shm"));
  CHECK_FALSE(fs::exists(s / "backups/daily/db_1.sqlite-wal"));
}
