// The delivery log: whole lines, read back newest last, rotated by size.
#include <doctest/doctest.h>

#include <thread>

#include "core/notify/delivery_log.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

using bscbot::core::notify::DeliveryLog;
using bscbot::test::Scratch;

TEST_CASE("delivery log: appends whole lines from many writers, rotates at its size, keeps NOTIFY_LOG_MAX_FILES") {
  Scratch s("delivery-log");
  const DeliveryLog log(s / "logs/notifications.jsonl", 2000, 2);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) log.append({{"writer", w}, {"n", i}, {"pad", std::string(40, 'x')}});
    });
  }
  for (auto& t : writers) t.join();
  const auto files = log.files();
  CHECK(files.size() == 3);  // the current file and two rotated ones
  CHECK(files.back() == s / "logs/notifications.jsonl");
  CHECK(files.front() == s / "logs/notifications.2.jsonl");
  const auto records = log.read(1000);
  CHECK(records.size() < 100);  // the oldest rotated away
  CHECK(!records.empty());
  for (const auto& r : records) CHECK(r["pad"].get<std::string>().size() == 40);
  CHECK(log.read(5).size() == 5);
  // A torn last line (a disk that filled) is skipped, not fatal.
  s.write("logs/notifications.jsonl", bscbot::test::read_text(s / "logs/notifications.jsonl") + "{\"half\":");
  CHECK(log.read(1000).size() == records.size());
}
