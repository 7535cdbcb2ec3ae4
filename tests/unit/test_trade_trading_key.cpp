// The trading key file: owner-only mode required, contents never echoed.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "core/trade/trading_key.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;

namespace {
const std::string k_key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
}

TEST_CASE("trade: a key file readable by others is refused without echoing the key") {
  bscbot::test::Scratch s("key-mode");
  const auto path = s.write("trading.key", "0x" + k_key + "\n");
  ::chmod(path.c_str(), 0644);
  try {
    trade::read_key_file(path);
    FAIL("expected a refusal");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("chmod 600") != std::string::npos);
    CHECK(msg.find("644") != std::string::npos);
    CHECK(msg.find(k_key) == std::string::npos);
  }
  ::chmod(path.c_str(), 0600);
  CHECK(trade::read_key_file(path).address().to_checksum() == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
}

TEST_CASE("trade: a malformed key file names the file, not the content") {
  bscbot::test::Scratch s("key-bad");
  const std::string secretish = "zz" + k_key.substr(2);
  const auto path = s.write("trading.key", secretish);
  ::chmod(path.c_str(), 0600);
  try {
    trade::read_key_file(path);
    FAIL("expected a refusal");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    CHECK(std::string(e.what()).find(secretish) == std::string::npos);
  }
  CHECK_THROWS_AS(trade::read_key_file(s / "missing.key"), Error);
}

TEST_CASE("trade: a key file behind a symbolic link, or owned by another user, is refused") {
  bscbot::test::Scratch s("key-links");
  const auto real = s.write("real/trading.key", "0x" + k_key + "\n");
  ::chmod(real.c_str(), 0600);
  CHECK(trade::read_key_file(real).address().to_checksum() == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  std::filesystem::create_directory_symlink(s / "real", s / "linked");
  try {
    trade::read_key_file(s / "linked" / "trading.key");
    FAIL("a symlinked folder was followed");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("is a symbolic link") != std::string::npos);
    CHECK(std::string(e.what()).find((s / "linked").string()) != std::string::npos);
  }
  std::filesystem::create_symlink(real, s / "key-link");
  CHECK_THROWS_WITH_AS(trade::read_key_file(s / "key-link"), doctest::Contains("is a symbolic link"), Error);
  if (::geteuid() == 0) {
    // Only root can give a file away; as anyone else the case cannot arise from our own files.
    REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
    CHECK_THROWS_WITH_AS(trade::read_key_file(real), doctest::Contains("is owned by user 65534"), Error);
  }
}
