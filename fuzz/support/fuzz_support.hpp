#pragma once
// What every fuzz target shares: a scratch folder, and the rule for exceptions. core/ refuses
// bad input with core::Error (documented on each parser); anything else that escapes a target,
// a std::out_of_range, a nlohmann type_error, a Boost overflow, is a finding, so it is left to
// reach libFuzzer, which reports it as a crash with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace bscbot::fuzz {

// A private folder for the life of the process (mkdtemp, removed at exit), on /dev/shm when
// there is one so file-based targets do not wear the disk.
const std::filesystem::path& scratch_dir();

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `f`, accepting the documented refusal (core::Error) and nothing else.
template <typename F>
void allow_refusal(F&& f) {
  try {
    f();
  } catch (const core::Error&) {
  }
}

// Aborts (a libFuzzer crash with the input saved) when a property of the code under test fails.
[[noreturn]] void property_failed(const char* what, std::string_view detail = {});
#define BSCBOT_FUZZ_CHECK(condition, detail) \
  do {                                         \
    if (!(condition)) ::bscbot::fuzz::property_failed(#condition, detail); \
  } while (false)

}  // namespace bscbot::fuzz
