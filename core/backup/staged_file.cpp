#include "core/backup/staged_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

bool is_out_of_space(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

std::string write_error_message(const fs::path& path, int err) {
  if (is_out_of_space(err)) {
    return fmt::format("no space left while writing {} ({}); free space on that filesystem or point BACKUP_DIR at a "
                       "larger one; nothing was kept",
                       path.string(), std::strerror(err));
  }
  return fmt::format("cannot write {}: {}", path.string(), std::strerror(err));
}

StagedFile::StagedFile(fs::path destination, fs::perms mode)
    : m_destination(std::move(destination)), m_temp(temp_path_beside(m_destination)) {
  m_fd = ::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode) & 07777);
  if (m_fd < 0) {
    const int err = errno;
    throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", m_temp.string(), std::strerror(err)));
  }
  // umask may have narrowed the mode; backups hold trade data, so set it exactly.
  ::fchmod(m_fd, static_cast<mode_t>(mode) & 07777);
}

StagedFile::~StagedFile() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed) ::unlink(m_temp.c_str());
}

void StagedFile::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(m_fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::io, write_error_message(m_destination, errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void StagedFile::finish() {
  if (m_fd < 0) return;
  if (::fsync(m_fd) != 0) throw Error(ErrorKind::io, write_error_message(m_destination, errno));
  const int fd = m_fd;
  m_fd = -1;
  if (::close(fd) != 0) throw Error(ErrorKind::io, write_error_message(m_destination, errno));
}

void StagedFile::commit(Replace replace) { commit_as(m_destination, replace); }

void StagedFile::commit_as(const fs::path& target, Replace replace) {
  finish();
  if (replace == Replace::yes) {
    if (::rename(m_temp.c_str(), target.c_str()) != 0) {
      throw Error(ErrorKind::io, fmt::format("cannot rename {} to {}: {}", m_temp.string(), target.string(), std::strerror(errno)));
    }
  } else {
    // renameat2(RENAME_NOREPLACE) where the filesystem has it, else link + unlink: both refuse
    // to replace an existing file atomically.
    int rc = ::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      rc = ::link(m_temp.c_str(), target.c_str());
      if (rc == 0) ::unlink(m_temp.c_str());
    }
    if (rc != 0) {
      const int err = errno;
      throw Error(err == EEXIST ? ErrorKind::conflict : ErrorKind::io,
                  fmt::format("cannot move {} into place as {}: {}", m_temp.string(), target.string(), std::strerror(err)));
    }
  }
  m_committed = true;
  fsync_path(target.parent_path().empty() ? fs::path(".") : target.parent_path());
}

}  // namespace bscbot::core::backup
