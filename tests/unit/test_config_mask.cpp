// The one masking rule: URL passwords (whole), API keys in URL paths and user info, secret query
// parameters and NAME=value pairs, bearer tokens; everything else is kept.
#include <doctest/doctest.h>

#include "core/config/config.hpp"
#include "core/config/mask.hpp"

using namespace bscbot::core::config;

TEST_CASE("mask: URL user-info passwords are hidden whole, colons and slashes included") {
  CHECK(mask_url("https://bob:hunter2@bsc.example/v1") == "https://bob:****@bsc.example/v1");
  CHECK(mask_url("postgresql://bot:pa:ss@db:5432/bsc") == "postgresql://bot:****@db:5432/bsc");
  CHECK(mask_url("postgresql://bot:pa/ss@db/bsc") == "postgresql://bot:****@db/bsc");
  CHECK(mask_url("postgresql://bot:p@ss@db/bsc") == "postgresql://bot:****@db/bsc");
  CHECK(mask_url("https://bsc.example:8545/v1") == "https://bsc.example:8545/v1");
  CHECK(mask_url("https://bob@bsc.example/") == "https://bob@bsc.example/");
  // A bare user info that reads like a key is a key.
  CHECK(mask_url("https://0123456789abcdef0123@bsc.example/") == "https://****@bsc.example/");
}

TEST_CASE("mask: API keys in URL paths and secret query parameters") {
  CHECK(mask_url("https://bsc-mainnet.nodereal.io/v1/64a9df0874fb4a93b9d0a3849de012d3") == "https://bsc-mainnet.nodereal.io/v1/****");
  CHECK(mask_url("https://rpc.ankr.com/bsc/3c6d0f0a9b1e4c22d8f1a7b0e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6") == "https://rpc.ankr.com/bsc/****");
  CHECK(mask_url("https://bsc.example/bsc-mainnet/rpc") == "https://bsc.example/bsc-mainnet/rpc");
  CHECK(mask_url("postgresql://bot@db/x?sslmode=require&password=hunter2") == "postgresql://bot@db/x?sslmode=require&password=****");
  CHECK(mask_url("https://bsc.example/v1?key=a@b&x=1") == "https://bsc.example/v1?key=****&x=1");
  CHECK(mask_url("https://bsc.example/?apiKey=abc#frag") == "https://bsc.example/?apiKey=****#frag");
}

TEST_CASE("mask: a PostgreSQL URL keeps its database and role names, whatever they look like") {
  // A database name or role of 16+ letters and digits is a name there, not a provider's key.
  CHECK(mask_url("postgresql://bscbot@127.0.0.1:5432/t1061_1_sec_database_url") == "postgresql://bscbot@127.0.0.1:5432/t1061_1_sec_database_url");
  CHECK(mask_url("postgres://reader2024_bscbot_ro@db.example/bsc_trading_bot_2026?sslmode=require&password=hunter2") ==
        "postgres://reader2024_bscbot_ro@db.example/bsc_trading_bot_2026?sslmode=require&password=****");
  CHECK(mask_url("postgresql://reader2024_bscbot_ro:hunter2@db/bsc_trading_bot_2026") == "postgresql://reader2024_bscbot_ro:****@db/bsc_trading_bot_2026");
  CHECK(mask_secrets("cannot connect to postgresql://u:hunter2@db/bsc_trading_bot_2026: refused") ==
        "cannot connect to postgresql://u:****@db/bsc_trading_bot_2026: refused");
}

TEST_CASE("mask: request targets keep the path, hide secret parameters") {
  CHECK(mask_target("/api/v1/trading/history?limit=5&token=eyJ.abc.def") == "/api/v1/trading/history?limit=5&token=****");
  const std::string hash = "/api/v1/trading/trades/0x" + std::string(64, 'a');
  CHECK(mask_target(hash) == hash);
  CHECK(mask_target("/ws?access_token=x") == "/ws?access_token=****");
}

TEST_CASE("mask: free text hides URLs, secret pairs and bearer tokens, and keeps the rest") {
  const std::string line = "POST https://u:pw@node.example/v2/Zx81kQp2LmN7oR4sT6vW9yB1: timeout; DATABASE_URL=postgresql://a:b@db/x JWT_SECRET='s p' "
                           "LOOPBACK_READS_WITHOUT_TOKEN=true Authorization: Bearer eyJhbGci.x.y and token=abc, done.";
  const std::string masked = mask_secrets(line);
  for (const char* secret : {"pw@", "Zx81kQp2LmN7oR4sT6vW9yB1", "a:b@", "'s p'", "eyJhbGci", "token=abc"}) {
    CHECK_MESSAGE(masked.find(secret) == std::string::npos, std::string(secret));
  }
  CHECK(masked.find("https://u:****@node.example/v2/****: timeout") != std::string::npos);
  CHECK(masked.find("LOOPBACK_READS_WITHOUT_TOKEN=true") != std::string::npos);
  CHECK(masked.find("Bearer ****") != std::string::npos);
  CHECK(masked.find("token=****, done.") != std::string::npos);
  CHECK(mask_secrets("127.0.0.1 GET /api/health 200 response_time 0.242ms") == "127.0.0.1 GET /api/health 200 response_time 0.242ms");
}

TEST_CASE("mask: secret names follow the settings table first") {
  CHECK(is_secret_name("JWT_SECRET"));
  CHECK(is_secret_name("db_password"));
  CHECK(is_secret_name("TRADING_PRIVATE_KEY"));
  CHECK_FALSE(is_secret_name("TRADING_KEY_FILE"));
  CHECK_FALSE(is_secret_name("LOOPBACK_READS_WITHOUT_TOKEN"));
  CHECK(is_secret_name("x-api-key"));
  CHECK(is_secret_name("Password"));
  CHECK_FALSE(is_secret_name("limit"));
}

TEST_CASE("mask: config show masks URL settings whole and fallback lists item by item") {
  CHECK(display_value(*find_setting("DATABASE_URL"), "postgresql://bot:pa:ss@db/x?password=hunter2") == "postgresql://bot:****@db/x?password=****");
  CHECK(display_value(*find_setting("BSC_RPC_URLS"), "https://a.example/v1/64a9df0874fb4a93b9d0a3849de012d3, https://u:p@b.example/") ==
        "https://a.example/v1/****,https://u:****@b.example/");
}
