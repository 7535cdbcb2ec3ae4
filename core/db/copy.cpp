#include "core/db/copy.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <filesystem>
#include <optional>

#include "core/config/config.hpp"
#include "core/db/pg_url.hpp"
#include "core/db/sqlite/sqlite_store.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"

namespace bscbot::core::db {

bool CopyResult::ok() const {
  for (const auto& t : tables) {
    if (!t.ok()) return false;
  }
  return true;
}

void RowChecksum::add(const Row& row) {
  // Each cell is length-prefixed (NULL apart from ""), so no two rows share a text.
  std::string text;
  for (const Cell& c : row) text += c ? fmt::format("{}:{};", c->size(), *c) : std::string("N;");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | md[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | md[i];
  // A 128-bit sum: the order rows arrive in does not matter, repeated rows still count.
  const std::uint64_t before = m_lo;
  m_lo += lo;
  m_hi += hi + (m_lo < before ? 1 : 0);
}

std::string RowChecksum::hex() const { return fmt::format("{:016x}{:016x}", m_hi, m_lo); }

namespace {

struct Proof {
  std::int64_t rows = 0;
  std::string checksum;
};

Proof prove(TableReader& reader, const TableSpec& t) {
  RowChecksum sum;
  reader.scan(t, [&](const std::vector<Row>& rows) {
    for (const Row& r : rows) sum.add(r);
  });
  return {reader.count(t), sum.hex()};
}

// A target that already holds exactly the source's rows (a copy whose process died after its
// commit, before it could say so): proved table by table, nothing written.
std::optional<std::vector<TableProof>> identical_copy(TableReader& source, TableReader& target) {
  std::vector<TableProof> proofs;
  for (const TableSpec& t : copied_tables()) {
    const Proof from = prove(source, t);
    const Proof to = prove(target, t);
    TableProof p{std::string(t.name), from.rows, to.rows, from.checksum, to.checksum};
    if (!p.ok()) return std::nullopt;
    proofs.push_back(p);
  }
  return proofs;
}

}  // namespace

CopyResult copy_database(Store& source, Store& target, Force force, const std::function<void(const CopyProgress&)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  CopyResult result;
  const SchemaStatus source_schema = source.schema_status();
  require_known_schema(source_schema, source.location());
  if (!source_schema.pending.empty()) {
    throw Error(ErrorKind::conflict, fmt::format("{} is at schema {} of {}; run `bscbot db migrate` on it first, then copy",
                                                 source.location(), source_schema.current, source_schema.latest));
  }
  result.migrations = target.migrate();
  crash_point("copy.migrated");

  const auto reader = source.read_tables();
  const auto writer = target.write_tables();
  std::vector<std::string> occupied;
  for (const TableSpec& t : copied_tables()) {
    if (const auto n = writer->count(t); n > 0) occupied.push_back(fmt::format("{} ({} rows)", t.name, n));
  }
  if (!occupied.empty() && force == Force::no) {
    if (auto proofs = identical_copy(*reader, *writer)) {
      result.tables = std::move(*proofs);
      result.already_copied = true;
      result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      return result;
    }
    std::string list;
    for (const auto& o : occupied) list += (list.empty() ? "" : ", ") + o;
    throw Error(ErrorKind::conflict, fmt::format("{} is not empty and differs from the source: {}; copy into an empty database, or add --force to "
                                                 "replace its rows",
                                                 target.location(), list));
  }
  // Children first when clearing, parents first when filling.
  if (force == Force::yes) {
    for (auto it = copied_tables().rbegin(); it != copied_tables().rend(); ++it) writer->clear(*it);
  }
  for (const TableSpec& t : copied_tables()) {
    TableProof proof;
    proof.table = std::string(t.name);
    proof.source_rows = reader->count(t);
    RowChecksum sum;
    std::int64_t done = 0;
    if (progress) progress({proof.table, 0, proof.source_rows});
    reader->scan(t, [&](const std::vector<Row>& rows) {
      for (const Row& r : rows) sum.add(r);
      writer->insert(t, rows);
      done += static_cast<std::int64_t>(rows.size());
      if (progress) progress({proof.table, done, proof.source_rows});
    });
    proof.source_checksum = sum.hex();
    // The proof reads back what the target now holds, through its own transaction.
    const Proof back = prove(*writer, t);
    proof.target_rows = back.rows;
    proof.target_checksum = back.checksum;
    result.tables.push_back(proof);
  }
  if (!result.ok()) {
    std::string bad;
    for (const auto& t : result.tables) {
      if (!t.ok()) bad += fmt::format("{}{}: {} rows / {} in the source", bad.empty() ? "" : "; ", t.table, t.target_rows, t.source_rows);
    }
    throw Error(ErrorKind::data, fmt::format("the copy into {} does not match its source ({}); nothing was committed", target.location(), bad));
  }
  // A kill before the commit leaves the target's rows as they were; after it, complete and proved.
  crash_point("copy.verified");
  writer->commit();
  crash_point("copy.committed");
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

std::vector<std::string> write_store_at(const config::Config& cfg, const std::string& target,
                                        const std::function<void(Store&, const std::string&)>& write) {
  if (!is_pg_url(target) && !std::filesystem::exists(target)) {
    return sqlite::create_sqlite_database(target, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")),
                                          [&](Store& store) { write(store, std::filesystem::path(target).string()); });
  }
  auto store = open_store_at(cfg, target, Access::create);
  write(*store, store->location());
  return {};
}

}  // namespace bscbot::core::db
