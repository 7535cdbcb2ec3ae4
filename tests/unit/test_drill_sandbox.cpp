// The full drill's sandbox: the restored .env pointed at the scratch deployment line by line, so
// that what the .env parser reads back is exactly the scratch settings, and nothing else changes.
#include <doctest/doctest.h>

#include <map>

#include "core/config/dotenv.hpp"
#include "core/drill/sandbox.hpp"
#include "core/util/files.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

std::map<std::string, std::string> read_back(const fs::path& file) {
  std::map<std::string, std::string> out;
  for (const auto& line : config::parse_dotenv(read_file(file), file.string())) out[line.key] = line.value;
  return out;
}

}  // namespace

TEST_CASE("drill sandbox: the .env keeps its other lines and mode, and reads back the scratch values") {
  Scratch s("unit-drill-dotenv");
  const fs::path env = s / ".env";
  atomic_write_file(env,
                    "# production\nexport PORT=10001\nJWT_SECRET='a b # c'\nDB_PATH=/srv/bscbot/data/trading-bot.sqlite\n"
                    "PORT=10002\nLOG_LEVEL=warn # quiet\n",
                    fs::perms(0600));
  drill::point_dotenv_at(env, {{"PORT", "40123"}, {"DB_PATH", "/tmp/drill x/data/trading-bot.sqlite"}, {"DATABASE_URL", "postgresql://u:p\"q@h/db"}});
  const auto values = read_back(env);
  CHECK(values.at("PORT") == "40123");
  CHECK(values.at("DB_PATH") == "/tmp/drill x/data/trading-bot.sqlite");
  CHECK(values.at("DATABASE_URL") == "postgresql://u:p\"q@h/db");
  CHECK(values.at("JWT_SECRET") == "a b # c");
  CHECK(values.at("LOG_LEVEL") == "warn");
  const std::string text = read_file(env);
  CHECK(text.rfind("# production\nPORT=40123\nJWT_SECRET='a b # c'\n", 0) == 0);
  CHECK(text.find("10002") == std::string::npos);  // a later PORT line would have won over ours
  CHECK((fs::status(env).permissions() & fs::perms::all) == fs::perms(0600));
}

TEST_CASE("drill sandbox: scratch database names come from the folder and suit PostgreSQL") {
  CHECK(drill::scratch_database_name("/tmp/bscbot-drill-Ab12Cd") == "bscbot_drill_Ab12Cd");
  const auto settings = drill::scratch_settings("/tmp/bscbot-drill-Ab12Cd", 40123, std::nullopt);
  CHECK(settings.at("PORT") == "40123");
  CHECK(settings.at("HOST") == "127.0.0.1");
  CHECK(settings.at("DB_PATH") == "/tmp/bscbot-drill-Ab12Cd/data/trading-bot.sqlite");
  CHECK(settings.at("CHAIN_ENABLED") == "false");
  CHECK_FALSE(settings.count("DATABASE_URL"));
}
