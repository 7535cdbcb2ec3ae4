// The hash taken while the copy is written (core/backup/copy_digest.hpp): it is given only when
// the file really is what was hashed, page 1 as predicted and every other page written once, in
// order. Driven here by hand, as the VFS shim drives it during a backup.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/backup/copy_digest.hpp"
#include "core/backup/sha256.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;

namespace {

constexpr std::int64_t k_page = 4096;

std::string page(char fill) { return std::string(static_cast<std::size_t>(k_page), fill); }

// A file being written as SQLite writes a copy, each write told to `digest`.
struct Copy {
  fs::path path;
  int fd;
  CopyDigest& digest;
  Copy(const fs::path& p, CopyDigest& d) : path(p), fd(::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600)), digest(d) { REQUIRE(fd >= 0); }
  ~Copy() { ::close(fd); }
  void write(std::int64_t pgno, const std::string& bytes) {
    const std::int64_t at = (pgno - 1) * k_page;
    REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), at) == static_cast<ssize_t>(bytes.size()));
    digest.wrote(at, static_cast<std::int64_t>(bytes.size()));
  }
};

constexpr int k_pages = 3000;  // more than the digest's 4 MB stretches

}  // namespace

TEST_CASE("copy digest: pages written in order, page 1 last as predicted, give the file's SHA-256") {
  Scratch s("copy-digest-ok");
  CopyDigest digest;
  Copy copy(s / "copy.sqlite", digest);
  digest.start(copy.path, page('1'));
  for (int p = 2; p <= k_pages; ++p) copy.write(p, page(static_cast<char>('a' + p % 26)));
  copy.write(1, page('0'));  // the first version of page 1, then its final one
  copy.write(1, page('1'));
  const auto hex = digest.finish(static_cast<std::uint64_t>(k_pages * k_page));
  REQUIRE(hex);
  CHECK(*hex == sha256_file(copy.path));
}

TEST_CASE("copy digest: a copy past 1 GiB skips SQLite's lock page, and its hole is hashed as the zeros it reads as") {
  // Pages are reported, not written: the file is sparse, so its 1 GiB of zeros costs no disk,
  // only the hashing.
  Scratch s("copy-digest-lock-page");
  CopyDigest digest;
  Copy copy(s / "copy.sqlite", digest);
  digest.start(copy.path, page('1'));
  const std::int64_t lock_page = 0x40000000 / k_page + 1;
  const std::int64_t last = lock_page + 1;
  REQUIRE(::ftruncate(copy.fd, last * k_page) == 0);  // as long as the pages reported so far
  for (std::int64_t p = 2; p < last; ++p) {
    if (p != lock_page) digest.wrote((p - 1) * k_page, k_page);
  }
  copy.write(last, page('z'));
  copy.write(1, page('1'));
  const auto hex = digest.finish(static_cast<std::uint64_t>(last * k_page));
  REQUIRE(hex);
  CHECK(*hex == sha256_file(copy.path));
}

TEST_CASE("copy digest: a wrong guess of page 1, a page written twice, a gap or a short file give none") {
  Scratch s("copy-digest-none");
  const auto total = static_cast<std::uint64_t>(k_pages * k_page);
  SUBCASE("page 1 ends other than predicted") {
    CopyDigest digest;
    Copy copy(s / "copy.sqlite", digest);
    digest.start(copy.path, page('1'));
    for (int p = 2; p <= k_pages; ++p) copy.write(p, page('x'));
    copy.write(1, page('2'));
    CHECK_FALSE(digest.finish(total));
  }
  SUBCASE("a page rewritten after it was hashed") {
    CopyDigest digest;
    Copy copy(s / "copy.sqlite", digest);
    digest.start(copy.path, page('1'));
    for (int p = 2; p <= k_pages; ++p) copy.write(p, page('x'));
    copy.write(7, page('y'));
    copy.write(1, page('1'));
    CHECK_FALSE(digest.finish(total));
  }
  SUBCASE("a page skipped, then written") {
    CopyDigest digest;
    Copy copy(s / "copy.sqlite", digest);
    digest.start(copy.path, page('1'));
    for (int p = 3; p <= k_pages; ++p) copy.write(p, page('x'));
    copy.write(2, page('x'));
    copy.write(1, page('1'));
    CHECK_FALSE(digest.finish(total));
  }
  SUBCASE("the file cut short") {
    CopyDigest digest;
    Copy copy(s / "copy.sqlite", digest);
    digest.start(copy.path, page('1'));
    for (int p = 2; p <= k_pages; ++p) copy.write(p, page('x'));
    copy.write(1, page('1'));
    REQUIRE(::ftruncate(copy.fd, 10 * k_page) == 0);
    digest.truncated(10 * k_page);
    CHECK_FALSE(digest.finish(total));
  }
  SUBCASE("abandoned before the copy, or never started") {
    CopyDigest abandoned;
    abandoned.abandon();
    CHECK_FALSE(abandoned.finish(total));
    CopyDigest unused;
    CHECK_FALSE(unused.finish(total));
  }
}
