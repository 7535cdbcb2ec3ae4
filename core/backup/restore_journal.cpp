#include "core/backup/restore_journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::core::backup {

namespace {

constexpr JournalStep k_steps[] = {JournalStep::verifying,     JournalStep::stopping_daemon, JournalStep::keeping_current,
                                   JournalStep::swapping,      JournalStep::checking,        JournalStep::rolling_back,
                                   JournalStep::starting_daemon};

// The lock is a flock on the database's folder itself: no file to leave behind when a restore
// is killed, and nothing else in bscbot locks that folder.
fs::path lock_path(const fs::path& database) { return database.parent_path().empty() ? fs::path(".") : database.parent_path(); }

}  // namespace

std::string_view to_string(JournalStep step) {
  switch (step) {
    case JournalStep::verifying: return "verifying";
    case JournalStep::stopping_daemon: return "stopping_daemon";
    case JournalStep::keeping_current: return "keeping_current";
    case JournalStep::swapping: return "swapping";
    case JournalStep::checking: return "checking";
    case JournalStep::rolling_back: return "rolling_back";
    case JournalStep::starting_daemon: return "starting_daemon";
  }
  return "verifying";
}

fs::path journal_path(const fs::path& database) { return database.string() + ".restore-journal"; }

std::uint64_t inode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

std::optional<RestoreJournal> read_journal(const fs::path& database) {
  const fs::path path = journal_path(database);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const json j = json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::data, fmt::format("restore journal {} is not usable ({}); compare {} with its pre-restore copy by hand, "
                                              "then delete the journal",
                                              path.string(), why, database.string()));
  };
  if (!j.is_object()) throw bad("not a JSON object");
  RestoreJournal r;
  try {
    r.pid = j.at("pid").get<pid_t>();
    r.started_at = j.value("started_at", "");
    r.backup = j.at("backup").get<std::string>();
    r.database = j.at("database").get<std::string>();
    r.stage = j.at("stage").get<std::string>();
    r.stage_inode = j.at("stage_inode").get<std::uint64_t>();
    r.database_existed = j.at("database_existed").get<bool>();
    r.live_inode = j.at("live_inode").get<std::uint64_t>();
    r.pre_restore = j.value("pre_restore", "");
    r.pre_moved = j.value("pre_moved", false);
    r.daemon_was_running = j.at("daemon_was_running").get<bool>();
    r.expected_trades = j.value("expected_trades", std::int64_t{0});
    const std::string step = j.at("step").get<std::string>();
    bool known = false;
    for (JournalStep s : k_steps) {
      if (to_string(s) == step) {
        r.step = s;
        known = true;
      }
    }
    if (!known) throw bad("unknown step '" + step + "'");
  } catch (const json::exception& e) {
    throw bad(e.what());
  }
  return r;
}

void write_journal(const RestoreJournal& r) {
  const json j = {{"format", 1},
                  {"pid", r.pid},
                  {"started_at", r.started_at},
                  {"backup", r.backup.string()},
                  {"database", r.database.string()},
                  {"stage", r.stage.string()},
                  {"stage_inode", r.stage_inode},
                  {"database_existed", r.database_existed},
                  {"live_inode", r.live_inode},
                  {"pre_restore", r.pre_restore.string()},
                  {"pre_moved", r.pre_moved},
                  {"daemon_was_running", r.daemon_was_running},
                  {"expected_trades", r.expected_trades},
                  {"step", std::string(to_string(r.step))}};
  atomic_write_file(journal_path(r.database), j.dump(2) + "\n", fs::perms(0600));
}

void remove_journal(const fs::path& database) {
  std::error_code ec;
  if (fs::remove(journal_path(database), ec)) {
    const fs::path dir = database.parent_path().empty() ? fs::path(".") : database.parent_path();
    fsync_path(dir);
  }
}

RestoreLock::RestoreLock(const fs::path& database) {
  const fs::path path = lock_path(database);
  m_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m_fd < 0) throw Error(ErrorKind::io, fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(m_fd);
    m_fd = -1;
    if (err == EWOULDBLOCK) {
      std::string who;
      try {
        if (const auto j = read_journal(database)) who = fmt::format(" (pid {}, restoring {})", j->pid, j->backup.string());
      } catch (const Error&) {
      }
      throw Error(ErrorKind::conflict, fmt::format("a restore of {} is running{}; wait until it is done", database.string(), who));
    }
    throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
}

RestoreLock::~RestoreLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

bool RestoreLock::held(const fs::path& database) {
  const int fd = ::open(lock_path(database).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

}  // namespace bscbot::core::backup
