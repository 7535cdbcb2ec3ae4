#pragma once
// The table of every setting bscbot knows: name, type, default, limits, whether it is a secret,
// and one line of help. The loader, `config show`, the audit and the man page all read it, so a
// setting exists exactly once.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::config {

enum class Type {
  integer,   // whole number within [min, max]
  number,    // decimal within [min, max]
  boolean,   // true/false, 1/0, yes/no, on/off
  choice,    // one of `choices`
  text,      // free text
  path,      // a filesystem path; relative paths resolve against the working directory
  url,       // http(s)/ws(s)/postgres(ql) URL
  url_list,  // comma-separated URLs
  list,      // comma-separated words
  address,   // 0x-prefixed 20-byte hex address
  wei,       // unsigned decimal integer of up to 78 digits (uint256)
};

struct Setting {
  std::string_view name;           // environment / .env name, e.g. "PORT"
  Type type;
  std::string_view default_value;  // as text; empty means unset
  std::string_view help;
  double min = 0;
  double max = 0;
  std::vector<std::string_view> choices = {};
  bool secret = false;
  std::string_view group = "general";
};

std::span<const Setting> all_settings();

// The setting named `name` (exact, upper case), or nullptr.
const Setting* find_setting(std::string_view name);

// The known name closest to `name`, for "did you mean" hints; empty if none is close.
std::string closest_setting(std::string_view name);

// The YAML spelling of a setting: lower case, e.g. "port" for PORT.
std::string yaml_key(std::string_view name);

}  // namespace bscbot::core::config
