#include "tests/support/scratch.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <vector>

namespace fs = std::filesystem;

namespace bscbot::test {

namespace {

std::mutex g_mutex;
std::vector<fs::path> g_folders;  // scratch folders of the running test

// Decides each folder's fate when its test ends: kept on failure, removed otherwise.
struct ScratchReaper : doctest::IReporter {
  explicit ScratchReaper(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    std::lock_guard lock(g_mutex);
    for (const fs::path& p : g_folders) {
      if (stats.failure_flags != 0 || stats.numAssertsFailedCurrentTest > 0) {
        std::cerr << "scratch folder kept for the failed test: " << p << "\n";
      } else {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    }
    g_folders.clear();
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("scratch_reaper", 1, ScratchReaper);

}  // namespace

Scratch::Scratch(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("BSCBOT_TEST_TMP");
  const fs::path root = base ? fs::path(base) : fs::temp_directory_path() / "bscbot-tests";
  std::string safe = name;
  for (char& c : safe) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  m_path = root / (safe + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(m_path);
  fs::create_directories(m_path);
  std::lock_guard lock(g_mutex);
  g_folders.push_back(m_path);
}

fs::path Scratch::write(const std::string& rel, const std::string& content) const {
  const fs::path p = m_path / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace bscbot::test
