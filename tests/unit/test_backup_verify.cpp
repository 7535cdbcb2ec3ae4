// backup verify: the manual's checks and the ones it lacked, each failure named.
#include <doctest/doctest.h>

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

struct Backups {
  Scratch s;
  fs::path db;
  explicit Backups(const std::string& name) : s(name), db(s / "data/trading-bot.sqlite") { fx::make_database(db, 1500); }
  fs::path take(Compression c = Compression::none) {
    CreateOptions o;
    o.database = db;
    o.backup_dir = s / "backups";
    o.compression = c;
    return create_backup(o, system_clock()).path;
  }
  // A copy without its manifest, for the checks that do not depend on one.
  fs::path bare(const fs::path& backup, const std::string& name) {
    const fs::path p = s / name;
    fs::copy_file(backup, p);
    return p;
  }
};

const VerifyCheck* find(const VerifyReport& r, const std::string& name) {
  for (const auto& c : r.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("backup: verify passes a good backup, compressed or not, and reports its facts") {
  Backups b("backup-verify-good");
  for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) {
    CAPTURE(to_string(c));
    const fs::path file = b.take(c);
    const VerifyReport r = verify_backup(file, {});
    CHECK_MESSAGE(r.ok(), r.problem());
    for (const char* name : {"manifest", "checksum", "integrity", "identity", "tables", "schema", "trades"}) {
      const VerifyCheck* check = find(r, name);
      REQUIRE_MESSAGE(check, name);
      CHECK(check->verdict == Verdict::pass);
    }
    REQUIRE(r.facts);
    CHECK(r.facts->rows("trades") == 1500);
    CHECK(r.facts->check == "ok");
    // Verify leaves nothing behind: no -wal, -shm or decompressed temp files.
    for (const auto& e : fs::directory_iterator(file.parent_path())) {
      const std::string n = e.path().filename().string();
      CHECK_MESSAGE((n.ends_with(".sqlite") || n.ends_with(".gz") || n.ends_with(".zst") || n.ends_with(".json")), n);
    }
  }
}

TEST_CASE("backup: verify refuses damage the manual's script would miss or misreport") {
  Backups b("backup-verify-bad");
  const fs::path good = b.take();

  SUBCASE("a corrupt page") {
    const fs::path f = b.bare(good, "corrupt.sqlite");
    fx::scribble(f, fs::file_size(f) / 2, 512);
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("integrity:"));
  }
  SUBCASE("a truncated file") {
    const fs::path f = b.bare(good, "truncated.sqlite");
    fx::truncate_to(f, fs::file_size(f) / 3);
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("size:"));
    CHECK(r.problem().find("truncated") != std::string::npos);
  }
  SUBCASE("not SQLite at all") {
    const fs::path f = b.s.write("notes.sqlite", "these are not the trades you are looking for\n");
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("sqlite:"));
  }
  SUBCASE("an empty file") {
    const fs::path f = b.s.write("empty.sqlite", "");
    CHECK(verify_backup(f, {}).problem().starts_with("file:"));
  }
  SUBCASE("a newer schema") {
    const fs::path f = b.bare(good, "future.sqlite");
    {
      SQLite::Database db(f.string(), SQLite::OPEN_READWRITE);
      db.exec("INSERT INTO knex_migrations (name, batch) VALUES ('0099_future', 9)");
    }
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("schema:"));
    CHECK(r.problem().find("schema version 99") != std::string::npos);
  }
  SUBCASE("another program's SQLite file") {
    const fs::path f = b.s / "foreign.sqlite";
    {
      SQLite::Database db(f.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("PRAGMA application_id = 1234; CREATE TABLE photos (id INTEGER PRIMARY KEY)");
    }
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("identity:"));
    CHECK(find(r, "tables")->verdict == Verdict::fail);
  }
  SUBCASE("a file changed after its manifest was written") {
    // Same size, same valid database, different bytes: only the checksum can tell.
    {
      SQLite::Database db(good.string(), SQLite::OPEN_READWRITE);
      db.exec("UPDATE trades SET amount_in = '2' WHERE id = 7");
    }
    const VerifyReport r = verify_backup(good, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("checksum:"));
  }
  SUBCASE("a manifest that does not parse") {
    bscbot::test::backup::scribble(manifest_path(good), 0, 5);
    const VerifyReport r = verify_backup(good, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("manifest:"));
  }
  SUBCASE("a cut-off compressed backup") {
    const fs::path z = b.take(Compression::zstd);
    const fs::path f = b.bare(z, "cut.sqlite.zst");
    fx::truncate_to(f, fs::file_size(f) - 100);
    const VerifyReport r = verify_backup(f, {});
    CHECK_FALSE(r.ok());
    CHECK(r.problem().starts_with("compression:"));
  }
  CHECK_THROWS_AS(verify_backup(b.s / "nope.sqlite", {}), Error);
}

TEST_CASE("backup: a `cp` of a live WAL database verifies without creating files beside it") {
  Backups b("backup-verify-legacy");
  const fs::path legacy = b.s / "legacy/db_latest.sqlite";
  fs::create_directories(legacy.parent_path());
  fs::copy_file(b.db, legacy);  // the manual's backup: header still says WAL
  REQUIRE(read_header(legacy).write_version == 2);
  const VerifyReport r = verify_backup(legacy, {});
  CHECK_MESSAGE(r.ok(), r.problem());
  CHECK(find(r, "manifest")->verdict == Verdict::warn);
  CHECK(std::distance(fs::directory_iterator(legacy.parent_path()), fs::directory_iterator()) == 1);
}

TEST_CASE("backup: an older schema verifies and says restore migrates it") {
  Scratch s("backup-verify-older");
  const fs::path f = s / "old.sqlite";
  {
    bscbot::test::sqlite_file_store(f, db::known_migrations().first(1));
  }
  const VerifyReport r = verify_backup(f, {});
  CHECK_MESSAGE(r.ok(), r.problem());
  CHECK(find(r, "schema")->detail.find("restore applies") != std::string::npos);
}
