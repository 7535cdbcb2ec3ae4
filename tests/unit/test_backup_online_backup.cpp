// The online copy: one consistent snapshot while another connection keeps writing, in steps,
// left as a single rollback-journal file.
#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "core/backup/inspect.hpp"
#include "core/backup/online_backup.hpp"
#include "core/backup/staged_file.hpp"
#include "core/error.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;
namespace fx = bscbot::test::backup;

TEST_CASE("backup: the copy is one snapshot while a writer keeps committing") {
  Scratch s("backup-online");
  const fs::path db = s / "live.sqlite";
  fx::make_database(db, 2000);

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> committed{0};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    auto store = bscbot::test::sqlite_file_store(db, {});
    while (!stop) {
      try {
        committed = store->trades().insert(bscbot::test::sample_trade("0x2222222222222222222222222222222222222222", "1"));
      } catch (const std::exception&) {
        ++errors;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  while (committed < 2050) std::this_thread::yield();

  StagedFile out(s / "copy.sqlite", fs::perms(0600));
  CopyOptions o;
  o.step_pages = 4;  // many steps, so writes land between them
  o.step_sleep = std::chrono::milliseconds(1);
  std::vector<CopyProgress> seen;
  o.progress = [&](const CopyProgress& p) { seen.push_back(p); };
  const std::int64_t before = committed;
  const CopyResult r = copy_database(db, out.temp_path(), o);
  const std::int64_t after = committed;
  stop = true;
  writer.join();

  CHECK(errors == 0);
  CHECK(r.snapshot);
  CHECK(r.steps > 10);
  CHECK(after > before);  // the writer really wrote during the copy
  // Progress only moves forward: the copy never restarted.
  REQUIRE(!seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].pages_done >= seen[i - 1].pages_done);
  CHECK(seen.back().pages_done == seen.back().pages_total);
  CHECK(seen.back().page_size == 4096);

  // Every trade committed before the copy started is in it; the ids are one unbroken snapshot.
  auto copy = open_snapshot(out.temp_path());
  const DatabaseFacts f = inspect_database(*copy, CheckLevel::full);
  CHECK(f.check == "ok");
  REQUIRE(f.max_trade_id);
  CHECK(*f.max_trade_id >= before);
  CHECK(*f.max_trade_id <= after);
  CHECK(f.rows("trades") == *f.max_trade_id);
  // One self-contained file in rollback-journal mode, nothing beside it.
  CHECK(read_header(out.temp_path()).write_version == 1);
  for (const char* side : {"-wal", "-shm", "-journal"}) CHECK_FALSE(fs::exists(out.temp_path().string() + side));
}

TEST_CASE("backup: what the daemon committed during the copy is checkpointed by the backup, not by its next commit") {
  Scratch s("backup-online-catchup");
  const fs::path db = s / "live.sqlite";
  fx::make_database(db, 500);
  // The daemon: a connection kept open (so the WAL outlives the backup's connection) whose own
  // autocheckpoint is off, so whatever reaches the database file was put there by the backup.
  SQLite::Database daemon(db.string(), SQLite::OPEN_READWRITE);
  daemon.exec("PRAGMA wal_autocheckpoint = 0");
  daemon.exec("PRAGMA busy_timeout = 5000");
  const auto max_id = [](SQLite::Database& d) { return d.execAndGet("SELECT MAX(id) FROM trades").getInt64(); };
  const std::int64_t before = max_id(daemon);

  StagedFile out(s / "copy.sqlite", fs::perms(0600));
  CopyOptions o;
  o.step_pages = 4;
  bool wrote = false;
  o.progress = [&](const CopyProgress&) {
    if (wrote) return;
    wrote = true;
    daemon.exec("INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x33', 'a', 'b', '1')");
  };
  const CopyResult r = copy_database(db, out.temp_path(), o);
  REQUIRE(wrote);
  CHECK(r.snapshot);

  // The copy is the snapshot from before that commit; the database file alone (its WAL left
  // aside) already holds it.
  CHECK(*inspect_database(*open_snapshot(out.temp_path()), CheckLevel::none).max_trade_id == before);
  const fs::path file_alone = s / "file-alone.sqlite";
  fs::copy_file(db, file_alone);
  SQLite::Database alone(file_alone.string(), SQLite::OPEN_READWRITE);
  CHECK(max_id(alone) == before + 1);
}

TEST_CASE("backup: a reader begun in same_snapshot sees what the copy holds, and no commit lands meanwhile") {
  Scratch s("backup-online-same-snapshot");
  const fs::path db = s / "live.sqlite";
  fx::make_database(db, 300);
  SQLite::Database daemon(db.string(), SQLite::OPEN_READWRITE);  // busy_timeout 0: a lock fails at once
  const char* insert = "INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x33', 'a', 'b', '1')";

  StagedFile out(s / "copy.sqlite", fs::perms(0600));
  CopyOptions o;
  o.step_pages = 4;
  std::optional<SQLite::Database> reader;
  int calls = 0;
  bool commit_refused = false;
  o.same_snapshot = [&] {
    ++calls;
    try {
      daemon.exec(insert);
    } catch (const SQLite::Exception&) {
      commit_refused = true;  // the write lock is held for the call
    }
    reader.emplace(db.string(), SQLite::OPEN_READONLY);
    reader->exec("BEGIN");
    reader->execAndGet("SELECT COUNT(*) FROM trades");
  };
  bool wrote = false;
  o.progress = [&](const CopyProgress&) {
    if (wrote) return;
    wrote = true;
    daemon.exec(insert);  // during the copy commits land again, in neither snapshot
  };
  const CopyResult r = copy_database(db, out.temp_path(), o);
  REQUIRE(wrote);
  CHECK(calls == 1);
  CHECK(r.shared_snapshot);
  CHECK(commit_refused);
  const std::int64_t copied = *inspect_database(*open_snapshot(out.temp_path()), CheckLevel::none).max_trade_id;
  CHECK(reader->execAndGet("SELECT MAX(id) FROM trades").getInt64() == copied);
  CHECK(daemon.execAndGet("SELECT MAX(id) FROM trades").getInt64() == copied + 1);
}

TEST_CASE("backup: copying names what is wrong with the source") {
  Scratch s("backup-online-errors");
  {
    StagedFile out(s / "a.sqlite", fs::perms(0600));
    CHECK_THROWS_WITH_AS(copy_database(s / "missing.sqlite", out.temp_path(), {}), doctest::Contains("does not exist"), Error);
  }
  s.write("junk.sqlite", std::string(8192, 'j'));
  StagedFile out(s / "b.sqlite", fs::perms(0600));
  try {
    copy_database(s / "junk.sqlite", out.temp_path(), {});
    FAIL("a non-database was copied");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::database);
    CHECK(std::string(e.what()).find("junk.sqlite") != std::string::npos);
  }
}

TEST_CASE("backup: a staged file appears whole or not at all") {
  Scratch s("backup-staged");
  const fs::path target = s / "out.bin";
  {
    StagedFile f(target, fs::perms(0600));
    f.write("half", 4);
    CHECK(fs::exists(f.temp_path()));
    CHECK((fs::status(f.temp_path()).permissions() & fs::perms::mask) == fs::perms(0600));
  }  // abandoned: gone
  CHECK_FALSE(fs::exists(target));
  CHECK(std::distance(fs::directory_iterator(s.path()), fs::directory_iterator()) == 0);
  {
    StagedFile f(target, fs::perms(0600));
    f.write("whole", 5);
    f.commit(Replace::no);
  }
  CHECK(bscbot::test::read_text(target) == "whole");
  StagedFile again(target, fs::perms(0600));
  again.write("other", 5);
  CHECK_THROWS_AS(again.commit(Replace::no), Error);  // never replaces by accident
  CHECK(bscbot::test::read_text(target) == "whole");
}
