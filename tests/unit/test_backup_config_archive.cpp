// backup config: .env, the config file and extra files in one tar.gz of mode 600.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "core/backup/config_archive.hpp"
#include "core/error.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;

namespace {

struct Entry {
  std::string content;
  unsigned mode = 0;
};

std::map<std::string, Entry> read_archive(const fs::path& path) {
  std::map<std::string, Entry> out;
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_filename(a, path.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Entry item;
    item.mode = archive_entry_perm(e);
    char buf[4096];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) item.content.append(buf, static_cast<std::size_t>(n));
    out[archive_entry_pathname(e)] = item;
  }
  archive_read_free(a);
  return out;
}

}  // namespace

TEST_CASE("backup: the configuration archive holds the secrets with mode 600") {
  Scratch s("backup-config");
  s.write(".env", "JWT_SECRET=0123456789abcdef\n");
  fs::permissions(s / ".env", fs::perms(0600));
  s.write("bscbot.yaml", "port: 10001\n");
  s.write("elsewhere/nginx.conf", "server {}\n");
  const std::vector<fs::path> files = {s / ".env", s / "bscbot.yaml", s / "missing.service", s / "elsewhere/nginx.conf"};
  const ConfigArchive a = archive_config(s / "backups", files, s.path(), bscbot::test::backup::utc("2024-12-04 02:00:00"));
  CHECK(a.path == s / "backups/config/config_20241204_020000.tar.gz");
  CHECK((fs::status(a.path).permissions() & fs::perms::mask) == fs::perms(0600));
  CHECK(a.files.size() == 3);
  REQUIRE(a.missing.size() == 1);
  CHECK(a.missing[0] == s / "missing.service");
  CHECK(a.sha256 == bscbot::test::backup::sha(a.path));
  const auto entries = read_archive(a.path);
  REQUIRE(entries.size() == 3);
  CHECK(entries.at(".env").content == "JWT_SECRET=0123456789abcdef\n");
  CHECK(entries.at(".env").mode == 0600);
  CHECK(entries.at("bscbot.yaml").content == "port: 10001\n");
  CHECK(entries.at("elsewhere/nginx.conf").content == "server {}\n");
  // A second archive in the same second gets its own name; nothing is overwritten.
  const ConfigArchive again = archive_config(s / "backups", files, s.path(), bscbot::test::backup::utc("2024-12-04 02:00:00"));
  CHECK(again.path == s / "backups/config/config_20241204_020000_2.tar.gz");
}

TEST_CASE("backup: archive entries are relative to the deployment, or absolute without the slash") {
  CHECK(archive_entry_name("/srv/bot/.env", "/srv/bot") == ".env");
  CHECK(archive_entry_name("/srv/bot/conf/bscbot.yaml", "/srv/bot") == "conf/bscbot.yaml");
  CHECK(archive_entry_name("/etc/systemd/system/bscbotd.service", "/srv/bot") == "etc/systemd/system/bscbotd.service");
}

TEST_CASE("backup: nothing to archive is an error, and the defaults are the manual's files") {
  Scratch s("backup-config-none");
  CHECK_THROWS_WITH_AS(archive_config(s / "backups", {s / ".env"}, s.path(), system_clock().now()), doctest::Contains("none of the configuration files"),
                       Error);
  const bool left_something = fs::exists(s / "backups/config") && !fs::is_empty(s / "backups/config");
  CHECK_FALSE(left_something);
  const auto defaults = default_config_files({".env", "bscbot.yaml"});
  REQUIRE(defaults.size() >= 2);
  CHECK(defaults[0] == ".env");
  CHECK(defaults[1] == "bscbot.yaml");
  CHECK(std::count(defaults.begin(), defaults.end(), fs::path("bscbot.yaml")) == 1);
  const auto elsewhere = default_config_files({"/etc/bscbot/bscbot.yaml", ".env"});
  REQUIRE(elsewhere.size() >= 3);
  CHECK(elsewhere[2] == "/etc/bscbot/bscbot.yaml");
}
