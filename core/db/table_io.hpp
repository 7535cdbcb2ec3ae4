#pragma once
// Whole tables in and out of a store, for `bscbot db copy` (SQLite to PostgreSQL, the manual's
// "migrate to PostgreSQL" step, and back). Rows cross as canonical text per column type, the
// same on both backends, so a copy can be proved by counts and checksums of those texts:
// integers in decimal, reals in their shortest exact form, wei in canonical decimal, times as
// "YYYY-MM-DD HH:MM:SS" UTC (SQLite's resolution: sub-second parts are not copied).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::db {

enum class ColumnType { integer, real, text, wei, time };

struct Column {
  std::string_view name;
  ColumnType type;
};

struct TableSpec {
  std::string_view name;
  std::vector<Column> columns;
  bool has_identity = false;  // an `id` the database numbers: copied as is, numbering moved past it
};

// The tables a copy carries, parents before children. knex_migrations is not among them: the
// target is migrated by this build to the same version.
const std::vector<TableSpec>& copied_tables();

using Cell = std::optional<std::string>;  // canonical text, or NULL
using Row = std::vector<Cell>;            // in TableSpec::columns order

// One consistent snapshot of every table.
class TableReader {
public:
  virtual ~TableReader() = default;
  virtual std::int64_t count(const TableSpec& table) = 0;
  // Calls `batch` with the table's rows a few thousand at a time, in no particular order.
  virtual void scan(const TableSpec& table, const std::function<void(const std::vector<Row>&)>& batch) = 0;
};

// One transaction over every table: nothing is visible to others until commit(), and
// destruction without commit() rolls everything back. Reading through it sees its own writes.
class TableWriter : public TableReader {
public:
  virtual void clear(const TableSpec& table) = 0;
  virtual void insert(const TableSpec& table, const std::vector<Row>& rows) = 0;
  // Moves id numbering past the copied ids, then commits.
  virtual void commit() = 0;
};

// Canonical text of a time cell from "YYYY-MM-DD HH:MM:SS[.fff][Z]" or ISO 8601 text.
std::string canonical_time(std::string_view text);

// Canonical text of a real.
std::string canonical_real(double value);

}  // namespace bscbot::core::db
