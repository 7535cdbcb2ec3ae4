#pragma once
// `bscbot db copy`: every table of one database into another, SQLite to PostgreSQL (the manual's
// "migrate to PostgreSQL" step) or back, from one consistent snapshot of the source, in one
// transaction on the target, proved before it commits by per-table row counts and checksums of
// what the target then holds.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/db/store.hpp"

namespace bscbot::core::db {

enum class Force { no, yes };

struct CopyProgress {
  std::string table;
  std::int64_t done = 0;
  std::int64_t total = 0;
};

struct TableProof {
  std::string table;
  std::int64_t source_rows = 0;
  std::int64_t target_rows = 0;
  std::string source_checksum;  // order-independent: the sum of each row's SHA-256 prefix
  std::string target_checksum;
  bool ok() const { return source_rows == target_rows && source_checksum == target_checksum; }
};

struct CopyResult {
  std::vector<TableProof> tables;
  std::vector<std::string> migrations;  // applied to the target first
  std::chrono::milliseconds took{0};
  bool already_copied = false;  // the target held exactly the source's rows: nothing written
  bool ok() const;
};

// Copies `source` into `target`. The target is migrated to this build's schema first; a target
// that holds exactly the source's rows (proved as a copy is) is left as it is, with
// `already_copied`, so a copy killed after its commit can be run again; one that holds other
// rows is refused (core::Error(conflict)) unless `force`, which replaces them. A
// source that is not at this build's schema is refused. When a table's proof fails, nothing is
// committed and core::Error(data) names the tables.
CopyResult copy_database(Store& source, Store& target, Force force, const std::function<void(const CopyProgress&)>& progress = {});

// Runs `write` on the database at `target` (a postgresql:// URL or a SQLite file path), opened
// as open_store_at(Access::create) opens it, with the target's location. A SQLite file that does
// not exist yet is built under a temp name beside it and appears only once `write` has returned
// (create_sqlite_database()'s rule), so a copy killed or failing on the way leaves no file.
// Returns the migrations applied in creating such a file.
std::vector<std::string> write_store_at(const config::Config& cfg, const std::string& target,
                                        const std::function<void(Store&, const std::string& location)>& write);

// The checksum of rows, as TableProof keeps it (for tests and `db copy` alike).
class RowChecksum {
public:
  void add(const Row& row);
  std::string hex() const;

private:
  std::uint64_t m_hi = 0, m_lo = 0;
};

}  // namespace bscbot::core::db
