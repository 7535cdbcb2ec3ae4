// /proc/net/tcp{,6} and /proc/locks as the kernel prints them, and what SQLite's locks mean.
#include <doctest/doctest.h>

#include "core/db/diagnostics.hpp"
#include "core/diagnose/problems.hpp"
#include "core/diagnose/system.hpp"

using namespace bscbot::core::diagnose;

TEST_CASE("system: listening sockets of /proc/net/tcp and tcp6 with their inodes") {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:2711 0100007F:D6A4 01 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 20 4 30 10 -1\n";
  const auto v4 = parse_proc_net_tcp(tcp, false);
  REQUIRE(v4.size() == 2);
  CHECK(v4[0].local_address == "127.0.0.1");
  CHECK(v4[0].local_port == 10001);
  CHECK(v4[0].state == 0x0A);
  CHECK(v4[0].inode == 123456);
  CHECK(v4[1].uid == 1000);
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:2711 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1\n"
      "   1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1\n";
  const auto v6 = parse_proc_net_tcp(tcp6, true);
  REQUIRE(v6.size() == 2);
  CHECK(v6[0].local_address == "::1");
  CHECK(v6[0].local_port == 10001);
  CHECK(v6[1].local_address == "::");
  CHECK(v6[1].local_port == 8080);
}

TEST_CASE("system: /proc/locks rows, waiters and EOF ranges; SQLite's lock bytes explained") {
  const char* locks =
      "1: POSIX  ADVISORY  WRITE 31460 fe:00:10960942 120 120\n"
      "2: POSIX  ADVISORY  READ 31460 fe:00:10960942 123 123\n"
      "3: POSIX  ADVISORY  READ 31460 fe:00:10960942 128 128\n"
      "4: POSIX  ADVISORY  READ 31460 fe:00:10960940 1073741826 1073742335\n"
      "5: FLOCK  ADVISORY  WRITE 999 08:01:42 0 EOF\n"
      "5: -> POSIX  ADVISORY  WRITE 4242 fe:00:10960942 120 120\n";
  const auto l = parse_proc_locks(locks);
  REQUIRE(l.size() == 6);
  CHECK(l[0].pid == 31460);
  CHECK(l[0].major == 0xfe);
  CHECK(l[0].minor == 0);
  CHECK(l[0].inode == 10960942);
  CHECK(l[0].start == 120);
  CHECK(*l[0].end == 120);
  CHECK(l[4].kind == "FLOCK");
  CHECK(!l[4].end);
  CHECK(l[4].major == 8);
  CHECK(l[4].minor == 1);
  CHECK(l[5].waiting);
  CHECK(l[5].pid == 4242);
  auto range = [](const FileLock& f) { return bscbot::core::db::FileLockRange{f.access == "WRITE", f.start, f.end}; };
  using bscbot::core::db::sqlite_lock_blocks_writers;
  using bscbot::core::db::sqlite_lock_meaning;
  CHECK(sqlite_lock_meaning("shm", range(l[0])) == "holds the WAL write lock: a write transaction (BEGIN IMMEDIATE/EXCLUSIVE or a write) is open");
  CHECK(sqlite_lock_blocks_writers("shm", range(l[0])));
  CHECK(sqlite_lock_meaning("shm", range(l[1])) == "has a read transaction open (a snapshot that holds back checkpoints)");
  CHECK(!sqlite_lock_blocks_writers("shm", range(l[1])));
  CHECK(sqlite_lock_meaning("shm", range(l[2])) == "has the database open (WAL-index reference)");
  CHECK(sqlite_lock_meaning("db", range(l[3])) == "holds a SHARED lock: it is reading");
  FileLock exclusive = l[3];
  exclusive.access = "WRITE";
  CHECK(sqlite_lock_meaning("db", range(exclusive)) == "holds the EXCLUSIVE lock: it is writing the database file");
  CHECK(sqlite_lock_blocks_writers("db", range(exclusive)));
  FileLock reserved = l[0];
  reserved.start = 1073741825;
  reserved.end = 1073741825;
  CHECK(sqlite_lock_meaning("db", range(reserved)) == "holds the RESERVED lock: a rollback-journal write transaction is open");
}

TEST_CASE("problems: names, the manual's words for them, and the check each explains") {
  CHECK(parse_problem("slow-queries") == Problem::slow_queries);
  CHECK(parse_problem("lock") == Problem::database);
  CHECK(!parse_problem("everything"));
  CHECK(problem_for_check("daemon") == Problem::service);
  CHECK(problem_for_check("chain") == Problem::websocket);
  CHECK(problem_for_check("success_rate") == Problem::trades);
  CHECK(!problem_for_check("disk_data"));
  for (const Problem p : k_problems) CHECK(parse_problem(to_string(p)) == p);
}
