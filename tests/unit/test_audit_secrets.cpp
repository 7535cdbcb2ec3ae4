#include <doctest/doctest.h>

#include "core/audit/secrets.hpp"

using namespace bscbot::core::audit;

TEST_CASE("audit: known defaults and template placeholders are recognised, real secrets are not") {
  for (const char* s : {"secret", "CHANGEME", "your-256-bit-secret", "your_jwt_secret", "keyboard cat", "${JWT_SECRET}",
                        "<your secret here>", "change-me-in-production-please", "your-super-secret-jwt-key-here", ""}) {
    CHECK_MESSAGE(is_placeholder(s), s);
  }
  for (const char* s : {"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "Zq8#pLr2!vW9@tK4"}) {
    CHECK_FALSE_MESSAGE(is_placeholder(s), s);
  }
  CHECK(distinct_characters("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == 1);
}

TEST_CASE("audit: password shape follows the manual's strong-password rule") {
  CHECK(password_shape("Zq8#pLr2!vW9@tK4").strong());
  CHECK_FALSE(password_shape("Zq8pLr2vW9tK4abc").strong());  // no symbol
  CHECK_FALSE(password_shape("Zq8#pL").strong());            // too short
  CHECK(password_shape("ab1").describe() == "3 characters, lower+digits");
  CHECK(url_password("postgresql://bot:s3cr%40t@db:5432/bsc") == "s3cr@t");
  CHECK(url_password("postgresql://bot@db:5432/bsc").empty());
}

TEST_CASE("audit: secrets in files are found by assignment, PEM block or private-key-looking hex") {
  const std::string text =
      "# example config\n"
      "JWT_SECRET=your-secret-key\n"                    // 2: placeholder, fine
      "JWT_SECRET=\"k3Jd9sL2mQ8vX1zP4rT7wY0uE5iO6aS\"\n"  // 3: real
      "export DB_PASSWORD=Zq8#pLr2!vW9@tK4 # prod\n"    // 4: real
      "DB_PASSWORD=\n"                                   // 5: empty
      "  \"db_password\": \"${DB_PASSWORD}\",\n"         // 6: reference
      "DATABASE_URL=postgresql://bot@db/bsc\n"           // 7: no password
      "DATABASE_URL=postgresql://bot:hunter2xyz@db/bsc\n" // 8: password in URL
      "-----BEGIN EC PRIVATE KEY-----\n"                 // 9: PEM
      "signer key 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n"  // 10: key-like hex
      "tx 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318 confirmed\n"  // 11: a tx hash
      "trading_private_key: ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12\n";  // 12: YAML
  const auto hits = find_secrets(text);
  std::vector<std::size_t> lines;
  for (const auto& h : hits) lines.push_back(h.line);
  CHECK(lines == std::vector<std::size_t>{3, 4, 8, 9, 10, 12});
}
