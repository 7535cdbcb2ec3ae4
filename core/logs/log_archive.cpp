#include "core/logs/log_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "core/error.hpp"
#include "core/logs/log_files.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::logs {

ArchivePlan plan_archive(const fs::path& dir, std::chrono::seconds age, const Clock& clock) {
  ArchivePlan plan;
  const auto now = clock.now();
  const auto cutoff = now - age;
  for (const auto& f : log_files(dir)) {
    std::error_code ec;
    const auto mtime = fs::last_write_time(f, ec);
    if (ec) continue;
    const auto sys = std::chrono::time_point_cast<SystemTime::duration>(std::chrono::file_clock::to_sys(mtime));
    if (sys < cutoff) {
      plan.files.push_back(f);
      plan.bytes += fs::file_size(f, ec);
    }
  }
  // The manual names it after last month: archive_$(date -d "last month" +%Y%m).tar.gz
  const std::tm today = to_utc_tm(now);
  int year = today.tm_year + 1900, month = today.tm_mon;  // tm_mon counts from 0: last month's number
  if (month == 0) {
    month = 12;
    --year;
  }
  const std::string stem = fmt::format("archive_{:04}{:02}", year, month);
  plan.archive = dir / (stem + ".tar.gz");
  for (int n = 2; fs::exists(plan.archive); ++n) plan.archive = dir / fmt::format("{}-{}.tar.gz", stem, n);
  return plan;
}

namespace {

std::string sha256_of_stream(std::istream& in) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<std::size_t>(in.gcount()));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

std::string sha256_of_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return sha256_of_stream(in);
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

void check(struct archive* a, int rc, const std::string& what) {
  if (rc < ARCHIVE_OK) throw Error(ErrorKind::io, fmt::format("{}: {}", what, archive_error_string(a) ? archive_error_string(a) : "libarchive error"));
}

void write_archive(const fs::path& out, const std::vector<fs::path>& files) {
  ArchivePtr a(archive_write_new(), archive_write_free);
  check(a.get(), archive_write_add_filter_gzip(a.get()), "gzip");
  check(a.get(), archive_write_set_format_pax_restricted(a.get()), "tar format");
  check(a.get(), archive_write_open_filename(a.get(), out.c_str()), "cannot create " + out.string());
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) throw Error(ErrorKind::io, "cannot stat " + f.string());
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), f.filename().c_str());
    archive_entry_copy_stat(entry.get(), &st);
    check(a.get(), archive_write_header(a.get(), entry.get()), "writing " + f.string());
    std::ifstream in(f, std::ios::binary);
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      if (archive_write_data(a.get(), buf, static_cast<std::size_t>(in.gcount())) < 0) check(a.get(), ARCHIVE_FATAL, "writing " + f.string());
    }
  }
  check(a.get(), archive_write_close(a.get()), "finishing " + out.string());
}

// Every member of a tar.gz archive: its name and the SHA-256 of its content.
std::map<std::string, std::string> archive_members(const fs::path& archive_path) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  check(a.get(), archive_read_open_filename(a.get(), archive_path.c_str(), 65536), "cannot read back " + archive_path.string());
  archive_entry* entry = nullptr;
  std::map<std::string, std::string> members;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    const std::string name = archive_entry_pathname(entry);
    std::string content;
    char buf[65536];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) content.append(buf, static_cast<std::size_t>(n));
    if (n < 0) check(a.get(), ARCHIVE_FATAL, "reading back " + name);
    std::istringstream in(content);
    members[name] = sha256_of_stream(in);
  }
  return members;
}

// Reads the archive back: every member's name and SHA-256 must match its source.
void verify_archive(const fs::path& archive_path, const std::vector<fs::path>& files) {
  std::map<std::string, std::string> expected;
  for (const auto& f : files) expected[f.filename().string()] = sha256_of_file(f);
  const auto members = archive_members(archive_path);
  for (const auto& [name, sha] : members) {
    const auto it = expected.find(name);
    if (it == expected.end() || it->second != sha) {
      throw Error(ErrorKind::io, fmt::format("archive {} does not match {}; nothing was deleted", archive_path.string(), name));
    }
  }
  if (members.size() != expected.size()) {
    throw Error(ErrorKind::io, fmt::format("archive {} holds {} of {} logs; nothing was deleted", archive_path.string(), members.size(), expected.size()));
  }
}

// The month's archives already in the folder ("archive_YYYYMM.tar.gz", "archive_YYYYMM-2.tar.gz").
std::vector<fs::path> month_archives(const fs::path& planned) {
  std::string stem = planned.filename().string();
  stem = stem.substr(0, std::min(stem.find('-'), stem.find(".tar.gz")));
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(planned.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(stem) && name.ends_with(".tar.gz") && e.is_regular_file(ec)) out.push_back(e.path());
  }
  return out;
}

}  // namespace

ArchiveResult archive(const ArchivePlan& plan) {
  ArchiveResult result;
  result.plan = plan;
  if (plan.files.empty()) return result;
  reclaim_temp_files(plan.archive.parent_path());
  // A run killed after it placed its archive, before it deleted the logs: what an archive of the
  // month already holds, byte for byte, is deleted now rather than archived twice.
  std::map<std::string, std::string> archived;
  for (const fs::path& a : month_archives(plan.archive)) {
    try {
      for (auto& [name, sha] : archive_members(a)) archived.emplace(name, sha);
    } catch (const Error&) {
      // An archive that does not read back proves nothing: its logs are archived again.
    }
  }
  std::vector<fs::path> todo;
  for (const fs::path& f : plan.files) {
    const auto it = archived.find(f.filename().string());
    if (it != archived.end() && it->second == sha256_of_file(f)) {
      std::error_code ec;
      if (fs::remove(f, ec)) {
        result.deleted.push_back(f);
        result.already_archived.push_back(f);
      }
    } else {
      todo.push_back(f);
    }
  }
  result.plan.files = todo;
  if (todo.empty()) return result;
  const fs::path tmp = temp_path_beside(plan.archive);
  try {
    write_archive(tmp, todo);
    fsync_path(tmp);
    crash_point("logs_archive.written");
    verify_archive(tmp, todo);
    if (fs::exists(plan.archive)) throw Error(ErrorKind::conflict, fmt::format("{} appeared meanwhile; nothing was deleted", plan.archive.string()));
    durable_rename(tmp, plan.archive);
    crash_point("logs_archive.placed");
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  result.written = true;
  result.archive_bytes = fs::file_size(plan.archive);
  for (const auto& f : todo) {
    std::error_code ec;
    if (fs::remove(f, ec)) result.deleted.push_back(f);
    crash_point("logs_archive.deleted");
  }
  return result;
}

}  // namespace bscbot::core::logs
