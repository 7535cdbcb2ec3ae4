#pragma once
// A scratch folder per test: removed when the test passes, kept (and named on stderr) when it
// fails, so the evidence survives.
#include <filesystem>
#include <string>

namespace bscbot::test {

class Scratch {
public:
  explicit Scratch(const std::string& name);
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& rel) const { return m_path / rel; }
  // Writes a file below the folder (parents created).
  std::filesystem::path write(const std::string& rel, const std::string& content) const;

private:
  std::filesystem::path m_path;
};

}  // namespace bscbot::test
