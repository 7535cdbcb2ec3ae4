#pragma once
// A parser for .env files as Node's dotenv writes and reads them.
#include <filesystem>
#include <string>
#include <vector>

namespace bscbot::core::config {

struct DotenvLine {
  std::string key;
  std::string value;
  int line = 0;
};

// Parses `KEY=value` lines: `export ` prefixes, # comments, single quotes (literal), double
// quotes (\n, \", \\ escapes), inline ` #` comments after unquoted values. Throws
// core::Error(config) naming the file and line of a malformed entry.
std::vector<DotenvLine> parse_dotenv(const std::string& text, const std::string& file_name);

}  // namespace bscbot::core::config
