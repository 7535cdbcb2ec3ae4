#include <doctest/doctest.h>

#include "core/logs/log_message.hpp"

using bscbot::core::logs::guarded_log_message;
using bscbot::core::logs::k_max_log_message_bytes;

TEST_CASE("log message: plain short text is written as it is") {
  CHECK_FALSE(guarded_log_message("Database data/trading-bot.sqlite is writable").has_value());
  CHECK_FALSE(guarded_log_message(std::string(k_max_log_message_bytes, 'x')).has_value());
}

TEST_CASE("log message: longer than 4096 bytes is cut there and says how much was cut") {
  const auto text = guarded_log_message(std::string(10000, 'a'));
  REQUIRE(text.has_value());
  CHECK(*text == std::string(4096, 'a') + "... (5904 more bytes)");
}

TEST_CASE("log message: the cut never splits a UTF-8 character") {
  // 4095 ASCII bytes, then a 3-byte character straddling the limit.
  const std::string message = std::string(4095, 'a') + "\xE2\x82\xAC" + std::string(100, 'b');
  const auto text = guarded_log_message(message);
  REQUIRE(text.has_value());
  CHECK(*text == std::string(4095, 'a') + "... (103 more bytes)");
}

TEST_CASE("log message: secrets are masked, then the length is capped") {
  const auto masked = guarded_log_message("RPC failed: https://bsc.example/v1/abcdef0123456789secretkey timed out");
  REQUIRE(masked.has_value());
  CHECK(masked->find("abcdef0123456789secretkey") == std::string::npos);
  const auto long_secret = guarded_log_message("JWT_SECRET=hunter2hunter2 " + std::string(8000, 'z'));
  REQUIRE(long_secret.has_value());
  CHECK(long_secret->find("hunter2") == std::string::npos);
  CHECK(long_secret->size() < k_max_log_message_bytes + 32);
  CHECK(long_secret->find("more bytes)") != std::string::npos);
}
