#pragma once
// Opening the SQLite store (open_store() calls this for DB_CLIENT=sqlite).
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/db/store.hpp"

namespace bscbot::core::db::sqlite {

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, Access access, int busy_timeout_ms, StoreOptions options);

// create_sqlite_database() of store.hpp, for the file at `path`; `fill`, when given, writes into
// the migrated database under its temp name before it is placed (`bscbot db copy` to a new file).
std::vector<std::string> create_sqlite_database(const std::filesystem::path& path, int busy_timeout_ms,
                                                const std::function<void(Store&)>& fill = {});

}  // namespace bscbot::core::db::sqlite
