// The catalog trusts a backup only when its file agrees with its manifest: size and spot
// checksum, without reading the whole file; and it sees every temp file, live or left over.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include "core/backup/catalog.hpp"
#include "core/backup/create.hpp"
#include "core/backup/restore.hpp"
#include "core/backup/sha256.hpp"
#include "core/util/files.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;
namespace fx = bscbot::test::backup;

namespace {

struct Folder {
  Scratch s;
  CreateOptions o;
  FixedClock clock{fx::utc("2026-12-01 02:00:00")};
  explicit Folder(const std::string& name) : s(name) {
    o.database = s / "data/trading-bot.sqlite";
    o.backup_dir = s / "backups";
    fx::make_database(o.database, 30);
  }
  const BackupEntry& entry(const Catalog& c, const fs::path& path) {
    for (const auto& e : c.entries) {
      if (e.path == path) return e;
    }
    FAIL("not in the catalog: " << path);
    return c.entries.front();
  }
};

}  // namespace

TEST_CASE("backup catalog: a file of the right size that is not the one its manifest describes is not good") {
  Folder f("catalog-spot");
  f.clock.set(fx::utc("2026-11-25 02:00:00"));  // a weekday: dailies only
  const CreateResult first = create_backup(f.o, f.clock);
  f.clock.advance(std::chrono::hours(1));
  SQLite::Database(f.o.database.string(), SQLite::OPEN_READWRITE).exec("UPDATE trades SET status = 'failed' WHERE id = 7");
  const CreateResult second = create_backup(f.o, f.clock);
  REQUIRE(fs::file_size(first.path) == fs::file_size(second.path));
  REQUIRE(fx::sha(first.path) != fx::sha(second.path));

  // The older file under the newer one's name (what a kill between a tier's manifest and its
  // link left before): same size, other content.
  fs::remove(second.path);
  fs::copy_file(first.path, second.path);
  const Catalog c = scan_catalog(f.o.backup_dir);
  const BackupEntry& e = f.entry(c, second.path);
  CHECK(e.state == BackupState::checksum_mismatch);
  CHECK(e.problem.find("spot checksum") != std::string::npos);
  CHECK(f.entry(c, first.path).good());
  CHECK(newest_good(c)->path == first.path);

  // A damaged first page is seen as well; a manifest of an older bscbot (no spot checksum)
  // falls back to the size.
  fx::scribble(first.path, 0, 16);
  CHECK(f.entry(scan_catalog(f.o.backup_dir), first.path).state == BackupState::checksum_mismatch);
  auto m = *read_manifest(second.path);
  m.spot_sha256.clear();
  write_manifest(second.path, m);
  CHECK(f.entry(scan_catalog(f.o.backup_dir), second.path).good());
}

TEST_CASE("backup catalog: the spot checksum reads the first and last block and blocks between, and sees the size") {
  Scratch s("catalog-spot-blocks");
  std::string content(4096 * 100, 'a');
  const fs::path file = s.write("f.bin", content);
  const std::string base = spot_sha256(file);
  CHECK(base.size() == 64);
  content[0] = 'b';
  CHECK(spot_sha256(s.write("f.bin", content)) != base);
  content[0] = 'a';
  content.back() = 'b';
  CHECK(spot_sha256(s.write("f.bin", content)) != base);
  content.back() = 'a';
  CHECK(spot_sha256(s.write("f.bin", content)) == base);
  CHECK(spot_sha256(s.write("f.bin", content + "a")) != base);
  CHECK(spot_sha256(s.write("small.bin", "x")) != spot_sha256(s.write("small.bin", "y")));
}

TEST_CASE("backup catalog: of one backup and its tier copies the daily comes first; --latest keeps one candidate per file") {
  Folder f("catalog-order");
  const CreateResult r = create_backup(f.o, f.clock);  // a 1st: daily and monthly, hard-linked
  REQUIRE(r.tier_copies.size() == 1);
  const Catalog c = scan_catalog(f.o.backup_dir);
  REQUIRE(c.entries.size() == 2);
  CHECK(c.entries[0].path == r.path);
  CHECK(latest_candidates(f.o.backup_dir) == std::vector<fs::path>{r.path});

  // A monthly that is a separate file claiming the daily's checksum does not hide the daily.
  const fs::path monthly = r.tier_copies[0].path;
  fs::remove(monthly);
  fs::copy_file(r.path, monthly);
  CHECK(latest_candidates(f.o.backup_dir) == std::vector<fs::path>{r.path, monthly});
}

TEST_CASE("backup catalog: temp files of every folder are listed with their writer, and the dead writers' are reclaimed") {
  Folder f("catalog-temps");
  create_backup(f.o, f.clock);
  f.s.write("backups/daily/.db_20261201_010000.sqlite.tmp-1-0", std::string(5000, 'x'));
  f.s.write(fmt::format("backups/monthly/.db_2026_12.sqlite.tmp-{}-4", ::getpid()), "live");
  fs::create_symlink("daily/nothing", f.o.backup_dir / ".latest.tmp-1-9");
  f.s.write("backups/weekly/db_2026_W40.sqlite.json", "{}");
  const Catalog c = scan_catalog(f.o.backup_dir);
  REQUIRE(c.temp_files.size() == 3);
  std::size_t dead = 0;
  for (const TempFile& t : c.temp_files) dead += t.writer_alive ? 0 : 1;
  CHECK(dead == 2);
  CHECK(c.orphan_manifests.size() == 1);
  CHECK(c.leftover_bytes() == 5002);

  CHECK(reclaim_leftovers(f.o.backup_dir) == 5002);
  const Catalog after = scan_catalog(f.o.backup_dir);
  REQUIRE(after.temp_files.size() == 1);
  CHECK(after.temp_files[0].writer_alive);
  CHECK(after.orphan_manifests.empty());
  CHECK_FALSE(fs::is_symlink(f.o.backup_dir / ".latest.tmp-1-9"));
}

TEST_CASE("temp files: one naming rule, parsed back with the writer's pid, SQLite side files included") {
  const auto p = parse_temp_name(".db_20261201_020000.sqlite.tmp-4242-7");
  REQUIRE(p);
  CHECK(p->first == "db_20261201_020000.sqlite");
  CHECK(p->second == 4242);
  const auto wal = parse_temp_name(".trading-bot.sqlite.tmp-12-0-wal");
  REQUIRE(wal);
  CHECK(wal->first == "trading-bot.sqlite");
  CHECK(parse_temp_name(".latest.tmp-3-1")->first == "latest");
  const fs::path made = temp_path_beside("/x/backups/daily/db_1.sqlite");
  CHECK(parse_temp_name(made.filename().string())->second == ::getpid());
  for (const char* other : {"db_1.sqlite", ".lock", ".db.tmp-", ".db.tmp-12", ".db.tmp-x-1", ".tmp-1-2", "db.sqlite.tmp-1-2"}) {
    CAPTURE(other);
    CHECK_FALSE(parse_temp_name(other));
  }
}
