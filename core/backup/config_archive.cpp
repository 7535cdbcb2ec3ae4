#include "core/backup/config_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/backup/sha256.hpp"
#include "core/backup/staged_file.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

constexpr const char* k_unit = "bscbotd.service";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

[[noreturn]] void archive_failed(archive* a, const fs::path& path) {
  throw Error(ErrorKind::io, fmt::format("writing {} failed: {}", path.string(), archive_error_string(a) ? archive_error_string(a) : "unknown error"));
}

}  // namespace

std::vector<fs::path> default_config_files(const std::vector<std::string>& loaded) {
  std::vector<fs::path> files = {".env", "bscbot.yaml"};
  const auto same = [](const fs::path& a, const fs::path& b) {
    return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
  };
  for (const std::string& name : loaded) {
    if (std::none_of(files.begin(), files.end(), [&](const fs::path& f) { return same(f, name); })) files.emplace_back(name);
  }
  std::vector<fs::path> units = {fs::path("/etc/systemd/system") / k_unit, fs::path("/lib/systemd/system") / k_unit,
                                 fs::path("/usr/lib/systemd/system") / k_unit};
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    units.push_back(fs::path(xdg) / "systemd/user" / k_unit);
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    units.push_back(fs::path(home) / ".config/systemd/user" / k_unit);
  }
  std::error_code ec;
  for (const fs::path& unit : units) {
    if (fs::exists(unit, ec)) {
      files.push_back(unit);
      break;
    }
  }
  return files;
}

std::string archive_entry_name(const fs::path& file, const fs::path& base) {
  const fs::path absolute = fs::absolute(file).lexically_normal();
  const fs::path relative = absolute.lexically_relative(fs::absolute(base).lexically_normal());
  if (!relative.empty() && *relative.begin() != "..") return relative.string();
  return absolute.relative_path().string();  // like tar: without the leading '/'
}

ConfigArchive archive_config(const fs::path& backup_dir, const std::vector<fs::path>& files, const fs::path& base, SystemTime now) {
  ConfigArchive result;
  std::error_code ec;
  for (const fs::path& f : files) {
    if (fs::is_regular_file(f, ec)) result.files.push_back({f, archive_entry_name(f, base), fs::file_size(f, ec)});
    else result.missing.push_back(f);
  }
  if (result.files.empty()) {
    std::string names;
    for (const auto& m : result.missing) names += (names.empty() ? "" : ", ") + m.string();
    throw Error(ErrorKind::not_found, fmt::format("none of the configuration files exists ({}); run from the deployment folder", names));
  }

  const fs::path dir = backup_dir / "config";
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const std::string stamp = to_sql_datetime(now);
  std::string compact;
  for (char c : stamp) {
    if (c == ' ') compact += '_';
    else if (c != '-' && c != ':') compact += c;
  }
  fs::path target = dir / fmt::format("config_{}.tar.gz", compact);
  for (int n = 2; fs::exists(target); ++n) target = dir / fmt::format("config_{}_{}.tar.gz", compact, n);

  // Mode 600 from creation: the archive holds JWT_SECRET and keys.
  StagedFile out(target, fs::perms(0600));
  {
    std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
    archive_write_add_filter_gzip(a.get());
    archive_write_set_format_pax_restricted(a.get());
    // Gives libarchive a path to write to (the temp file), then it owns the writes.
    if (archive_write_open_filename(a.get(), out.temp_path().c_str()) != ARCHIVE_OK) archive_failed(a.get(), target);
    for (const ArchivedFile& f : result.files) {
      const std::string content = read_file(f.source);
      struct stat st {};
      ::stat(f.source.c_str(), &st);
      std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
      archive_entry_set_pathname(entry.get(), f.entry.c_str());
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), st.st_mode & 07777);
      archive_entry_set_mtime(entry.get(), st.st_mtime, 0);
      if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) archive_failed(a.get(), target);
      if (archive_write_data(a.get(), content.data(), content.size()) != static_cast<la_ssize_t>(content.size())) {
        archive_failed(a.get(), target);
      }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) archive_failed(a.get(), target);
  }
  out.commit(Replace::no);
  result.path = target;
  result.bytes = fs::file_size(target, ec);
  result.sha256 = sha256_file(target);
  return result;
}

}  // namespace bscbot::core::backup
