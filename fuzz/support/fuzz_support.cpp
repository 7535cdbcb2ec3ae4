#include "fuzz/support/fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace bscbot::fuzz {

namespace {

std::filesystem::path make_scratch() {
  namespace fs = std::filesystem;
  const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "bscbot-fuzz-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    std::perror("bscbot fuzz: mkdtemp");
    std::abort();
  }
  return pattern;
}

}  // namespace

const std::filesystem::path& scratch_dir() {
  // Never destroyed, so the atexit cleanup can still read it after static destructors ran.
  static const std::filesystem::path* dir = [] {
    auto* d = new std::filesystem::path(make_scratch());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return *dir;
}

void property_failed(const char* what, std::string_view detail) {
  std::fprintf(stderr, "bscbot fuzz: property failed: %s\n  %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace bscbot::fuzz
