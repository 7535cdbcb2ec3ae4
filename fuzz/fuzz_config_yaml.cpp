// The YAML config loader: the input is a bscbot.yaml, loaded through core::config::load() as
// `bscbot --config FILE` and bscbotd do (every setting validated by its type). Properties: bad
// text is refused with core::Error (file:line:column), and an accepted file gives a
// configuration whose every getter works (fuzz/support/config_layers.hpp).
#include "fuzz/support/config_layers.hpp"
#include "fuzz/support/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bscbot::fuzz::allow_refusal([&] {
    const auto cfg = bscbot::fuzz::load_layers(bscbot::fuzz::as_text(data, size), std::nullopt, {});
    bscbot::fuzz::check_loaded(cfg);
  });
  return 0;
}
