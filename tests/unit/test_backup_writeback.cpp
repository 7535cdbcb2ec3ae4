// The backup's writeback pacer: it must hand every byte to the kernel whatever order the copy
// reports progress in, wait() must return once it has, and it must never hold a backup up when it
// cannot pace (a file it cannot open) or when the backup fails midway (destroyed early).
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "core/backup/writeback.hpp"
#include "tests/support/scratch.hpp"

using bscbot::core::backup::WritebackPacer;
using bscbot::test::Scratch;

TEST_CASE("writeback pacer: every stretch goes out a window at a time and wait() returns when all have") {
  Scratch s("writeback");
  const auto path = s / "copy.sqlite";
  const std::string block(1 << 20, 'x');
  std::ofstream out(path, std::ios::binary);
  WritebackPacer pacer(path, 4ull << 20);  // a small window, so the file is many of them
  for (int mb = 1; mb <= 24; ++mb) {
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
    out.flush();
    pacer.advance(static_cast<std::uint64_t>(mb) << 20);
    if (mb == 12) pacer.advance(1 << 20);  // progress that goes back is ignored
  }
  out.close();
  pacer.finish(24ull << 20);
  pacer.wait();  // returns: hangs (and times the test out) if a stretch were never handed over
  CHECK(std::filesystem::file_size(path) == 24ull << 20);
}

TEST_CASE("writeback pacer: finish() after the pacer has handed over every byte still ends the wait") {
  // The copy's last progress report names the full size, so the pacer's thread may have handed
  // everything over before finish() arrives; wait() must return then too (it once waited for
  // ever: found by the ASan build, whose slower copy let the thread catch up). The pause lets the
  // thread catch up; the bounded wait turns a hang into a failure, and destroying the pacer ends it.
  Scratch s("writeback-caught-up");
  const auto path = s / "copy.sqlite";
  std::ofstream(path, std::ios::binary) << std::string(8 << 20, 'z');
  for (int round = 0; round < 5; ++round) {
    std::future<void> waited;  // outlives the pacer, whose destructor releases a stuck wait()
    bool returned = false;
    {
      WritebackPacer pacer(path, 4ull << 20);
      pacer.advance(8ull << 20);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      pacer.finish(8ull << 20);
      waited = std::async(std::launch::async, [&pacer] { pacer.wait(); });
      returned = waited.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    }
    waited.get();
    CHECK_MESSAGE(returned, "round " << round << ": wait() did not return after finish()");
    if (!returned) break;
  }
}

TEST_CASE("writeback pacer: nothing to pace, or a backup abandoned midway, never waits") {
  Scratch s("writeback");
  {
    WritebackPacer missing(s / "no-such-file");
    missing.advance(64ull << 20);
    missing.finish(64ull << 20);
    missing.wait();
  }
  std::ofstream(s / "half.sqlite") << std::string(8 << 20, 'y');
  WritebackPacer abandoned(s / "half.sqlite");
  abandoned.advance(8ull << 20);  // destroyed without finish(): the failed backup's path
}
