// gzip and zstd streams: round trips with both sides hashed, and damaged streams caught.
#include <doctest/doctest.h>

#include <fstream>
#include <random>

#include "core/backup/compression.hpp"
#include "core/backup/sha256.hpp"
#include "core/error.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;

namespace {

// 3 MiB of half-compressible bytes: more than one 1 MiB block.
std::string sample() {
  std::mt19937 rng(7);
  std::string s;
  s.reserve(3 << 20);
  while (s.size() < (3u << 20)) {
    s += "trade 0x1111111111111111111111111111111111111111 amount ";
    s += std::to_string(rng());
    s += '\n';
  }
  return s;
}

}  // namespace

TEST_CASE("backup: sha256 is the standard digest") {
  Sha256 empty;
  CHECK(empty.hex_digest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.update("abc", 3);
  CHECK(abc.hex_digest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("backup: gzip and zstd round trips hash both sides") {
  Scratch s("backup-compression");
  const std::string text = sample();
  const fs::path plain = s.write("plain.bin", text);
  const std::string plain_sha = sha256_file(plain);
  for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) {
    CAPTURE(to_string(c));
    const fs::path packed = s / ("packed" + std::string(file_suffix(c)));
    StagedFile out(packed, fs::perms(0600));
    const StreamDigest d = compress_into(plain, out, c);
    out.commit(Replace::no);
    CHECK(d.plain_bytes == text.size());
    CHECK(d.plain_sha256 == plain_sha);
    CHECK(d.stored_bytes == fs::file_size(packed));
    CHECK(d.stored_sha256 == sha256_file(packed));
    if (c != Compression::none) CHECK(d.stored_bytes < d.plain_bytes / 2);
    CHECK(detect_compression(packed) == c);

    const fs::path back = s / ("back-" + std::string(to_string(c)));
    StagedFile restored(back, fs::perms(0600));
    const StreamDigest e = expand(packed, c, &restored);
    restored.commit(Replace::no);
    CHECK(e.plain_sha256 == plain_sha);
    CHECK(e.stored_sha256 == d.stored_sha256);
    CHECK(bscbot::test::read_text(back) == text);
  }
}

TEST_CASE("backup: a cut-off or damaged compressed stream is a data error") {
  Scratch s("backup-compression-damage");
  const fs::path plain = s.write("plain.bin", sample());
  for (Compression c : {Compression::gzip, Compression::zstd}) {
    CAPTURE(to_string(c));
    const fs::path packed = s / ("p" + std::string(file_suffix(c)));
    {
      StagedFile out(packed, fs::perms(0600));
      compress_into(plain, out, c);
      out.commit(Replace::no);
    }
    const fs::path cut = s / ("cut" + std::string(file_suffix(c)));
    fs::copy_file(packed, cut);
    fs::resize_file(cut, fs::file_size(packed) / 2);
    try {
      expand(cut, c, nullptr);
      FAIL("a truncated stream expanded");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::data);
      CHECK(std::string(e.what()).find("damaged") != std::string::npos);
    }
    const fs::path bent = s / ("bent" + std::string(file_suffix(c)));
    fs::copy_file(packed, bent);
    {
      std::fstream f(bent, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(bent) / 2));
      f.write("\xff\x00\xff\x00\xff\x00\xff\x00", 8);
    }
    CHECK_THROWS_AS(expand(bent, c, nullptr), Error);
  }
  CHECK(detect_compression(plain) == Compression::none);
}
