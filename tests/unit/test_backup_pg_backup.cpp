// Backups of a PostgreSQL database (pg_dump -Fc) on the test server: the rotation and manifest
// they share with SQLite backups, verify's checks, and restore by rename with its rollback.
#include <doctest/doctest.h>

#include <fstream>

#include "core/backup/catalog.hpp"
#include "core/backup/pg_backup.hpp"
#include "core/db/migrations.hpp"
#include "core/db/pg_url.hpp"
#include "core/error.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"
#include "tests/unit/backup_fixtures.hpp"

using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::PgServer;
using bscbot::test::Scratch;
namespace fs = std::filesystem;
namespace fx = bscbot::test::backup;

namespace {

const std::string k_wallet = "0x1111111111111111111111111111111111111111";

// A deployment's PostgreSQL database with `trades` trades, and its backup folder.
struct PgSite {
  Scratch s;
  db::PgTarget target;
  fs::path backups;
  fx::FakeDaemon daemon;
  FixedClock clock{fx::utc("2026-12-01 02:00:00")};  // a Tuesday, the 1st: daily and monthly

  PgSite(const std::string& name, int trades) : s(name), backups(s / "backups") {
    target.url = PgServer::shared().create_database(name);
    store()->migrate(db::known_migrations());
    add(trades);
  }
  std::unique_ptr<db::Store> store() const { return db::open_pg_store(target, db::Access::read_write); }
  void add(int n) {
    auto st = store();
    for (int i = 0; i < n; ++i) st->trades().insert(bscbot::test::sample_trade(k_wallet, std::to_string(1000 + i)));
  }
  std::int64_t count(const std::string& table) const {
    for (const auto& t : store()->stats().tables) {
      if (t.name == table) return t.rows;
    }
    return -1;
  }
  CreateResult take() {
    PgCreateOptions o;
    o.database = target;
    o.backup_dir = backups;
    return create_pg_backup(o, clock);
  }
  PgRestoreOptions restore_options(std::vector<fs::path> candidates) const {
    PgRestoreOptions o;
    o.candidates = std::move(candidates);
    o.database = target;
    return o;
  }
  std::string live() const { return db::parse_pg_url(target.url).dbname; }
};

std::string psql(const std::string& sql) {
  PgServer& server = PgServer::shared();
  return server.psql(server.superuser_url(), sql);
}

bool database_exists(const std::string& name) { return psql("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1"; }

VerifyReport verify_on(const fs::path& file, const std::optional<db::PgTarget>& server) {
  VerifyOptions o;
  o.pg_server = server;
  return verify_backup(file, o);
}

}  // namespace

TEST_SUITE("backup") {

TEST_CASE("pg backup: pg_dump of one snapshot goes into the rotation with a manifest the catalog trusts") {
  PgSite site("pg-backup-create", 7);
  const CreateResult r = site.take();
  CHECK(r.path == site.backups / "daily/db_20261201_020000.pgdump");
  CHECK(fs::exists(r.path));
  CHECK((fs::status(r.path).permissions() & fs::perms::all) == fs::perms(0600));
  REQUIRE(r.tier_copies.size() == 1);  // the 1st: monthly too
  CHECK(r.tier_copies[0].path == site.backups / "monthly/db_2026_12.pgdump");
  const Manifest& m = r.manifest;
  CHECK(m.backend == BackupFormat::pg_dump);
  CHECK(m.tables.at("trades") == 7);
  CHECK(m.tables.at("users") == 0);
  CHECK(m.schema_version == db::schema_status_of({}).latest);
  CHECK(m.max_trade_id == 7);
  CHECK(m.source.find("postgresql://bscbot@127.0.0.1:") == 0);
  CHECK(m.source.find("password") == std::string::npos);
  CHECK(m.tool.find("pg_dump (PostgreSQL) 15") == 0);
  CHECK(m.sha256 == sha256_file(r.path));
  CHECK(m.size_bytes == fs::file_size(r.path));

  // The same catalog, pointer and manifest reader as SQLite backups.
  const Catalog c = scan_catalog(site.backups);
  REQUIRE(c.entries.size() == 2);
  for (const auto& e : c.entries) CHECK_MESSAGE(e.good(), e.problem);
  REQUIRE(c.latest);
  CHECK(fs::equivalent(*c.latest, r.path));
  REQUIRE(read_manifest(r.path));
  CHECK(read_manifest(r.path)->backend == BackupFormat::pg_dump);
  CHECK(c.temp_files.empty());
}

TEST_CASE("pg backup: verify checks the checksum, the archive and a scratch restore against the manifest") {
  PgSite site("pg-backup-verify", 5);
  const fs::path good = site.take().path;

  VerifyReport r = verify_on(good, site.target);
  CHECK_MESSAGE(r.ok(), r.problem());
  const auto names = [&] {
    std::vector<std::string> n;
    for (const auto& c : r.checks) n.push_back(c.name);
    return n;
  }();
  CHECK(names == std::vector<std::string>{"manifest", "checksum", "archive", "restore"});
  CHECK(r.checks.back().detail.find("5 trades") != std::string::npos);
  CHECK(psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'bscbot_verify_%'") == "0");  // dropped again

  // Without a server: everything but the load, said so.
  r = verify_on(good, std::nullopt);
  CHECK(r.ok());
  CHECK(r.checks.back().detail.find("not tried") != std::string::npos);

  // A byte changed: the checksum.
  const fs::path changed = site.s / "changed.pgdump";
  fs::copy_file(good, changed);
  fs::copy_file(manifest_path(good), manifest_path(changed));
  fx::scribble(changed, fs::file_size(changed) / 2, 4);
  r = verify_on(changed, site.target);
  CHECK_FALSE(r.ok());
  CHECK(r.problem().rfind("checksum:", 0) == 0);

  // Cut short.
  const fs::path cut = site.s / "cut.pgdump";
  fs::copy_file(good, cut);
  fs::copy_file(manifest_path(good), manifest_path(cut));
  fx::truncate_to(cut, fs::file_size(cut) / 3);
  CHECK(verify_on(cut, site.target).problem().find("cut short") != std::string::npos);

  // Not an archive, with a manifest that matches its bytes: pg_restore says so.
  const fs::path junk = site.s / "junk.pgdump";
  { std::ofstream(junk) << "not a pg_dump archive\n"; }
  Manifest m = *read_manifest(good);
  m.file = "junk.pgdump";
  m.size_bytes = fs::file_size(junk);
  m.sha256 = sha256_file(junk);
  write_manifest(junk, m);
  r = verify_on(junk, site.target);
  CHECK(r.problem().rfind("archive:", 0) == 0);

  // A manifest that claims other rows: the scratch restore disagrees.
  const fs::path lying = site.s / "lying.pgdump";
  fs::copy_file(good, lying);
  m = *read_manifest(good);
  m.tables["trades"] = 6;
  write_manifest(lying, m);
  r = verify_on(lying, site.target);
  CHECK(r.problem().find("trades 5 (manifest 6)") != std::string::npos);

  // No manifest at all.
  const fs::path bare = site.s / "bare.pgdump";
  fs::copy_file(good, bare);
  CHECK(verify_on(bare, site.target).problem().rfind("manifest:", 0) == 0);
}

TEST_CASE("pg restore: loads a new database, renames it over the live one, keeps the old one, restarts bscbotd") {
  PgSite site("pg-restore", 5);
  const fs::path backup = site.take().path;
  site.add(3);  // written after the backup: gone after the restore, kept in the pre-restore database
  REQUIRE(site.count("trades") == 8);
  site.clock.set(fx::utc("2026-12-01 04:00:00"));

  const RestorePlan plan = plan_pg_restore(site.restore_options({backup}), site.daemon, site.clock);
  CHECK(plan.pre_restore_copy == site.live() + "_pre_restore_20261201_040000");
  CHECK(site.count("trades") == 8);  // the plan changes nothing

  const RestoreResult r = restore_pg_backup(site.restore_options({backup}), site.daemon, site.clock);
  CHECK(r.trades == 5);
  CHECK(site.count("trades") == 5);
  CHECK(r.daemon_was_running);
  CHECK(site.daemon.stops == 1);
  CHECK(site.daemon.starts == 1);
  REQUIRE(r.pre_restore_copy);
  const std::string pre = r.pre_restore_copy->string();
  CHECK(database_exists(pre));
  CHECK(PgServer::shared().psql(PgServer::shared().superuser_url(pre), "SELECT count(*) FROM trades") == "8");
  CHECK_FALSE(database_exists(site.live() + "_restoring_20261201_040000"));
  // The restored database takes writes again, with ids after the restored ones.
  site.add(1);
  CHECK(site.count("trades") == 6);

  // A second restore within the same second keeps its pre-restore copy under the next free name.
  const RestoreResult again = restore_pg_backup(site.restore_options({backup}), site.daemon, site.clock);
  REQUIRE(again.pre_restore_copy);
  CHECK(again.pre_restore_copy->string() == pre + "_2");
  CHECK(PgServer::shared().psql(PgServer::shared().superuser_url(again.pre_restore_copy->string()), "SELECT count(*) FROM trades") == "6");
  CHECK(PgServer::shared().psql(PgServer::shared().superuser_url(pre), "SELECT count(*) FROM trades") == "8");
}

TEST_CASE("pg restore: a bscbotd that does not come back after the swap is rolled back to the database it had") {
  PgSite site("pg-restore-rollback", 4);
  const fs::path backup = site.take().path;
  site.add(2);
  site.clock.set(fx::utc("2026-12-01 05:00:00"));
  site.daemon.failing_starts = 1;
  try {
    restore_pg_backup(site.restore_options({backup}), site.daemon, site.clock);
    FAIL("the restore should have failed");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("restore failed at start daemon") != std::string::npos, what);
    CHECK(what.find("is the database it was before") != std::string::npos);
    CHECK(what.find("bscbotd started again") != std::string::npos);
  }
  CHECK(site.count("trades") == 6);  // the live data as it was
  CHECK(site.daemon.up);
  CHECK_FALSE(database_exists(site.live() + "_pre_restore_20261201_050000"));
  CHECK(database_exists(site.live() + "_restoring_20261201_050000"));  // the restored copy, kept for a look
}

TEST_CASE("pg restore: a bad backup is refused before anything changes") {
  PgSite site("pg-restore-refused", 3);
  const fs::path backup = site.take().path;
  fx::scribble(backup, 100, 4);
  CHECK_THROWS_AS(restore_pg_backup(site.restore_options({backup}), site.daemon, site.clock), Error);
  CHECK(site.daemon.stops == 0);
  CHECK(site.count("trades") == 3);
}

}  // TEST_SUITE
