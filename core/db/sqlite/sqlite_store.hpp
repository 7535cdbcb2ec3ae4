#pragma once
// Opening the SQLite store (open_store() calls this for DB_CLIENT=sqlite).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/db/store.hpp"

namespace bscbot::core::db::sqlite {

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, Access access, int busy_timeout_ms, StoreOptions options);

// create_sqlite_database() of store.hpp, for the file at `path`.
std::vector<std::string> create_sqlite_database(const std::filesystem::path& path, int busy_timeout_ms);

}  // namespace bscbot::core::db::sqlite
