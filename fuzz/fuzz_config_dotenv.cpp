// The .env loader: the input is a .env file, parsed by parse_dotenv (export prefixes, quotes,
// escapes, inline comments) and loaded as the third layer by core::config::load(). Properties:
// a malformed line is refused with core::Error naming file and line; parsed keys are valid
// variable names and line numbers rise; an accepted file gives a working configuration.
#include "core/config/dotenv.hpp"
#include "fuzz/support/config_layers.hpp"
#include "fuzz/support/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(bscbot::fuzz::as_text(data, size));
  bscbot::fuzz::allow_refusal([&] {
    int last_line = 0;
    for (const auto& line : bscbot::core::config::parse_dotenv(text, ".env")) {
      BSCBOT_FUZZ_CHECK(!line.key.empty() && line.key.find_first_of(" =#\"'\n") == std::string::npos, line.key);
      BSCBOT_FUZZ_CHECK(line.line > last_line, line.key);
      last_line = line.line;
    }
  });
  bscbot::fuzz::allow_refusal([&] {
    const auto cfg = bscbot::fuzz::load_layers(std::nullopt, text, {});
    bscbot::fuzz::check_loaded(cfg);
  });
  return 0;
}
