// Taking backups with an injected clock: tiers, manifests, the latest pointer, names that never
// clash, the lock, and a full disk that leaves nothing behind.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "core/backup/catalog.hpp"
#include "core/backup/create.hpp"
#include "core/backup/verify.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;
namespace fx = bscbot::test::backup;

namespace {

struct Deployment {
  Scratch s;
  CreateOptions o;
  explicit Deployment(const std::string& name, int trades = 25) : s(name) {
    o.database = s / "data/trading-bot.sqlite";
    o.backup_dir = s / "backups";
    fx::make_database(o.database, trades);
  }
  std::size_t files_in(const fs::path& dir) const {
    std::error_code ec;
    if (!fs::exists(dir)) return 0;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir, ec), fs::directory_iterator()));
  }
};

}  // namespace

TEST_CASE("backup: a Sunday the 1st gives the daily, weekly and monthly backups with manifests") {
  Deployment d("backup-create-tiers");
  FixedClock clock(fx::utc("2024-09-01 02:00:00"));
  const CreateResult r = create_backup(d.o, clock);
  CHECK(r.path == d.s / "backups/daily/db_20240901_020000.sqlite");
  REQUIRE(r.tier_copies.size() == 2);
  CHECK(r.tier_copies[0].path == d.s / "backups/weekly/db_2024_W35.sqlite");
  CHECK(r.tier_copies[1].path == d.s / "backups/monthly/db_2024_09.sqlite");
  for (const auto& c : r.tier_copies) {
    CHECK(fs::equivalent(c.path, r.path));  // a hard link: no extra space
    const auto m = read_manifest(c.path);
    REQUIRE(m);
    CHECK(m->tier == to_string(c.tier));
    CHECK(m->file == c.path.filename().string());
    CHECK(m->sha256 == r.manifest.sha256);
  }
  const Manifest& m = r.manifest;
  CHECK(m.tier == "daily");
  CHECK(m.sequence == 1);
  CHECK(m.created_at == "2024-09-01T02:00:00.000Z");
  CHECK(m.source == fs::absolute(d.o.database).lexically_normal().string());
  CHECK(m.size_bytes == fs::file_size(r.path));
  CHECK(m.sha256 == fx::sha(r.path));
  CHECK(m.database_sha256 == m.sha256);
  CHECK(m.schema_version == db::latest_schema_version());
  CHECK(m.application_id == static_cast<std::uint32_t>(db::k_application_id));
  CHECK(m.tables.at("trades") == 25);
  CHECK(m.tables.at("users") == 0);
  CHECK(m.max_trade_id == 25);
  CHECK(m.newest_trade.has_value());
  CHECK(m.check == "ok");
  CHECK(m.check_level == "quick");
  CHECK(read_manifest(r.path)->sha256 == m.sha256);
  // Backups and manifests are private to the owner: they hold wallets and trades.
  CHECK((fs::status(r.path).permissions() & fs::perms::mask) == fs::perms(0600));
  CHECK((fs::status(manifest_path(r.path)).permissions() & fs::perms::mask) == fs::perms(0600));
  CHECK(fs::read_symlink(d.s / "backups/latest") == fs::path("daily/db_20240901_020000.sqlite"));
  CHECK(fx::count_trades(d.s / "backups/latest") == 25);
  CHECK(verify_backup(r.path, {}).ok());
}

TEST_CASE("backup: a weekday gives a daily only; later backups move the pointer and the sequence") {
  Deployment d("backup-create-weekday");
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));  // Tuesday
  const CreateResult first = create_backup(d.o, clock);
  CHECK(first.tier_copies.empty());
  CHECK_FALSE(fs::exists(d.s / "backups/weekly"));
  fx::add_trades(d.o.database, 5);
  const CreateResult second = create_backup(d.o, clock);  // the same second: a distinct name
  CHECK(second.path == d.s / "backups/daily/db_20240903_020000_2.sqlite");
  CHECK(second.manifest.sequence == 2);
  CHECK(second.manifest.tables.at("trades") == 30);
  CHECK(fs::read_symlink(d.s / "backups/latest") == fs::path("daily/db_20240903_020000_2.sqlite"));
  const Catalog c = scan_catalog(d.o.backup_dir);
  REQUIRE(c.entries.size() == 2);
  CHECK(c.entries[0].path == second.path);  // newest first
  CHECK(newest_good(c)->path == second.path);
}

TEST_CASE("backup: a second backup on the same Sunday replaces the week's") {
  Deployment d("backup-create-same-week");
  FixedClock clock(fx::utc("2024-09-08 02:00:00"));
  create_backup(d.o, clock);
  fx::add_trades(d.o.database, 3);
  clock.advance(std::chrono::hours(10));
  const CreateResult later = create_backup(d.o, clock);
  CHECK(fs::equivalent(d.s / "backups/weekly/db_2024_W36.sqlite", later.path));
  CHECK(read_manifest(d.s / "backups/weekly/db_2024_W36.sqlite")->tables.at("trades") == 28);
  CHECK(d.files_in(d.s / "backups/weekly") == 2);  // the backup and its manifest
}

TEST_CASE("backup: compressed backups keep the database's own checksum") {
  Deployment d("backup-create-compressed");
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  const CreateResult plain = create_backup(d.o, clock);
  for (Compression c : {Compression::gzip, Compression::zstd}) {
    d.o.compression = c;
    const CreateResult r = create_backup(d.o, clock);
    CHECK(r.path.extension() == (c == Compression::gzip ? ".gz" : ".zst"));
    CHECK(r.manifest.compression == c);
    CHECK(r.manifest.size_bytes < r.manifest.database_bytes);
    CHECK(r.manifest.database_sha256 == plain.manifest.sha256);  // the same snapshot inside
    CHECK(r.manifest.sha256 == fx::sha(r.path));
    CHECK(verify_backup(r.path, {}).ok());
  }
  // The uncompressed intermediate never stays.
  for (const auto& e : fs::directory_iterator(d.s / "backups/daily")) CHECK(e.path().filename().string().find(".plain") == std::string::npos);
}

TEST_CASE("backup: an idle database is hashed while it is copied, and the manifest's hash is the file's") {
  Deployment d("backup-create-hash-while-copying", 3000);  // several of the digest's 4 MB stretches
  d.o.step_pages = 64;
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  const CreateResult r = create_backup(d.o, clock);
  CHECK(r.hashed_while_copying);
  CHECK(r.counted_while_copying);
  CHECK(r.manifest.tables.at("trades") == 3000);
  // Whichever of the backup's connections closed last tidied the WAL away.
  CHECK_FALSE(fs::exists(d.o.database.string() + "-wal"));
  CHECK(r.manifest.sha256 == fx::sha(r.path));
  CHECK(r.manifest.size_bytes == fs::file_size(r.path));
  CHECK(verify_backup(r.path, {}).ok());
}

TEST_CASE("backup: the manifest's row counts are taken while the copy runs, and are the copy's under a writer") {
  Deployment d("backup-create-count-while-copying", 2000);
  d.o.step_pages = 8;  // many steps, so the writer's commits land during the copy
  d.o.step_sleep = std::chrono::milliseconds(1);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    while (!stop) {
      fx::add_trades(d.o.database, 1);
      ++written;
    }
  });
  while (written < 5) std::this_thread::yield();
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  const int before = written;
  const CreateResult r = create_backup(d.o, clock);
  const int after = written;
  stop = true;
  writer.join();
  CHECK(after > before);
  CHECK(r.counted_while_copying);
  CHECK(r.manifest.tables.at("trades") == fx::count_trades(r.path));
  CHECK(verify_backup(r.path, {}).ok());
}

TEST_CASE("backup: with page 1 still in the WAL the guess is wrong, and the file is hashed after the copy") {
  Deployment d("backup-create-hash-after-copy");
  // A reader on an older snapshot keeps the backup's checkpoint from writing the newest page 1
  // back into the file: it is in the WAL only, with a header field the guess cannot know (the
  // size and the counters it puts right itself).
  SQLite::Database reader(d.o.database.string(), SQLite::OPEN_READONLY);
  reader.exec("BEGIN");
  CHECK(reader.execAndGet("SELECT COUNT(*) FROM trades").getInt() == 25);
  SQLite::Database writer(d.o.database.string(), SQLite::OPEN_READWRITE);
  writer.exec("PRAGMA wal_autocheckpoint = 0");
  writer.exec("CREATE TABLE filler(x)");
  writer.exec("INSERT INTO filler SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n)");
  writer.exec("PRAGMA user_version = 4242");
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  const CreateResult r = create_backup(d.o, clock);
  CHECK_FALSE(r.hashed_while_copying);
  CHECK(r.manifest.sha256 == fx::sha(r.path));
  CHECK(verify_backup(r.path, {}).ok());
}

TEST_CASE("backup: too little free space stops before writing anything") {
  Deployment d("backup-create-space");
  d.o.available_bytes = [](const fs::path&) -> std::uintmax_t { return 4096; };
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  try {
    create_backup(d.o, clock);
    FAIL("a backup was taken without room for it");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK(std::string(e.what()).find("not enough free space") != std::string::npos);
    CHECK(std::string(e.what()).find("nothing was written") != std::string::npos);
  }
  CHECK(d.files_in(d.s / "backups/daily") == 0);
  CHECK_FALSE(fs::exists(d.s / "backups/latest"));
}

TEST_CASE("backup: a copy that fails its check is not kept") {
  Deployment d("backup-create-corrupt", 3000);
  // Damage a page in the middle of the live database (a bad disk, a stray write).
  fx::scribble(d.o.database, fs::file_size(d.o.database) / 2, 4096);
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  d.o.check = CheckLevel::full;
  try {
    create_backup(d.o, clock);
    FAIL("a damaged database was backed up as good");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::database);
    CHECK(std::string(e.what()).find("no backup was kept") != std::string::npos);
  }
  CHECK(d.files_in(d.s / "backups/daily") == 0);
}

TEST_CASE("backup: two backups never run at once") {
  Deployment d("backup-create-lock");
  BackupLock held(d.o.backup_dir);
  FixedClock clock(fx::utc("2024-09-03 02:00:00"));
  try {
    create_backup(d.o, clock);
    FAIL("the lock was ignored");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    CHECK(std::string(e.what()).find("another backup") != std::string::npos);
  }
}

TEST_CASE("backup: a missing database is named") {
  Scratch s("backup-create-missing");
  CreateOptions o;
  o.database = s / "data/none.sqlite";
  o.backup_dir = s / "backups";
  CHECK_THROWS_WITH_AS(create_backup(o, system_clock()), doctest::Contains("data/none.sqlite does not exist"), Error);
}
