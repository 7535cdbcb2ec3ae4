#include "core/backup/config_restore.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <map>
#include <optional>
#include <memory>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

constexpr la_int64_t k_max_entry_bytes = 16ll << 20;  // configuration, not data

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// KEY=VALUE lines of a dotenv file (comments and blank lines skipped, `export ` allowed).
std::map<std::string, std::string> settings_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

bool is_dotenv(const fs::path& p) { return p.filename() == ".env" || p.extension() == ".env"; }

std::vector<std::string> changed_settings(const std::string& before, const std::string& after) {
  const auto a = settings_of(before), b = settings_of(after);
  std::set<std::string> names;
  for (const auto& [k, v] : a) names.insert(k);
  for (const auto& [k, v] : b) names.insert(k);
  std::vector<std::string> out;
  for (const auto& n : names) {
    const auto x = a.find(n), y = b.find(n);
    if (x == a.end()) out.push_back(n + " (added)");
    else if (y == b.end()) out.push_back(n + " (removed)");
    else if (x->second != y->second) out.push_back(n);
  }
  return out;
}

// Where `entry` goes: inside `base` unless it names a file elsewhere (its first component is not
// in the deployment folder but is a folder of the system root, as etc/systemd/system/...).
std::pair<fs::path, bool> target_of(const fs::path& entry, const fs::path& base) {
  std::error_code ec;
  const fs::path first = *entry.begin();
  const bool nested = std::distance(entry.begin(), entry.end()) > 1;
  if (nested && !fs::exists(base / first, ec) && fs::is_directory(fs::path("/") / first, ec)) return {fs::path("/") / entry, true};
  return {base / entry, false};
}

std::string stamp(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  return fmt::format("{:04}{:02}{:02}_{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string_view to_string(ConfigChange c) {
  switch (c) {
    case ConfigChange::unchanged: return "unchanged";
    case ConfigChange::changed: return "changed";
    case ConfigChange::added: return "added";
  }
  return "changed";
}

std::size_t ConfigRestorePlan::changes(bool include_system) const {
  std::size_t n = 0;
  for (const auto& f : files) n += f.change != ConfigChange::unchanged && (include_system || !f.system);
  return n;
}

fs::path chosen_config_archive(const fs::path& backup_dir, const std::string& file, bool latest) {
  if (latest == !file.empty()) throw Error(ErrorKind::usage, "give either a config archive FILE or --latest");
  if (!latest) return file;
  std::optional<fs::path> newest;
  std::error_code ec;
  const fs::path dir = backup_dir / "config";
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Names carry their UTC time, so the greatest is the newest (config_<time>_2 after config_<time>).
    if (name.rfind("config_", 0) == 0 && name.ends_with(".tar.gz") && (!newest || name > newest->filename().string())) newest = it->path();
  }
  if (!newest) throw Error(ErrorKind::not_found, fmt::format("there is no config archive in {}; take one with `bscbot backup config`", dir.string()));
  return *newest;
}

ConfigRestorePlan plan_config_restore(const fs::path& archive_path, const fs::path& base) {
  if (!fs::exists(archive_path)) throw Error(ErrorKind::not_found, fmt::format("config archive {} does not exist", archive_path.string()));
  ConfigRestorePlan plan;
  plan.archive = archive_path;
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  const auto bad = [&](const std::string& what) {
    return Error(ErrorKind::data, fmt::format("config archive {} is not usable: {}; nothing was changed", archive_path.string(), what));
  };
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) throw bad(archive_error_string(a.get()));
  archive_entry* e = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    const std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    const fs::path entry = fs::path(name).lexically_normal();
    if (name.empty() || entry.is_absolute() || entry.empty() || *entry.begin() == ".." || name.find("/../") != std::string::npos ||
        name.rfind("../", 0) == 0) {
      throw bad(fmt::format("entry '{}' points outside the places bscbot restores to", name));
    }
    if (archive_entry_filetype(e) != AE_IFREG) throw bad(fmt::format("entry '{}' is not a regular file", name));
    if (archive_entry_size(e) > k_max_entry_bytes) throw bad(fmt::format("entry '{}' is larger than a configuration file can be", name));
    ConfigFilePlan f;
    f.entry = name;
    std::tie(f.target, f.system) = target_of(entry, base);
    f.mode = fs::perms(archive_entry_perm(e) & 0777);
    f.content.resize(static_cast<std::size_t>(archive_entry_size(e)));
    if (archive_read_data(a.get(), f.content.data(), f.content.size()) != static_cast<la_ssize_t>(f.content.size())) {
      throw bad(fmt::format("entry '{}' is cut short: {}", name, archive_error_string(a.get()) ? archive_error_string(a.get()) : "truncated"));
    }
    f.bytes = f.content.size();
    std::error_code ec;
    if (fs::exists(f.target, ec)) {
      const std::string current = read_file(f.target);
      const bool same_mode = (fs::status(f.target, ec).permissions() & fs::perms::all) == f.mode;
      f.change = current == f.content && same_mode ? ConfigChange::unchanged : ConfigChange::changed;
      if (is_dotenv(f.target)) f.settings = changed_settings(current, f.content);
    } else {
      f.change = ConfigChange::added;
      if (is_dotenv(f.target)) f.settings = changed_settings("", f.content);
    }
    plan.files.push_back(std::move(f));
  }
  if (rc != ARCHIVE_EOF) throw bad(archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable");
  if (plan.files.empty()) throw bad("it holds no files");
  return plan;
}

ConfigRestoreResult restore_config(const ConfigRestorePlan& plan, bool include_system, SystemTime now) {
  ConfigRestoreResult result;
  for (const ConfigFilePlan& f : plan.files) {
    if (f.change == ConfigChange::unchanged) continue;
    if (f.system && !include_system) {
      result.skipped.push_back(f.target);
      continue;
    }
    std::error_code ec;
    fs::create_directories(f.target.parent_path(), ec);
    if (f.change == ConfigChange::changed) {
      // The replaced file stays, with its own mode (it may hold secrets too).
      const fs::path kept = f.target.string() + ".before-restore-" + stamp(now);
      atomic_write_file(kept, read_file(f.target), fs::status(f.target).permissions() & fs::perms::all);
      result.kept.push_back(kept);
    }
    atomic_write_file(f.target, f.content, f.mode);
    result.written.push_back(f.target);
  }
  return result;
}

}  // namespace bscbot::core::backup
