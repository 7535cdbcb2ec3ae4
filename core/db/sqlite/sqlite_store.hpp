#pragma once
// Opening the SQLite store (open_store() calls this for DB_CLIENT=sqlite).
#include <filesystem>
#include <memory>

#include "core/db/store.hpp"

namespace bscbot::core::db::sqlite {

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, Access access, int busy_timeout_ms, StoreOptions options);

}  // namespace bscbot::core::db::sqlite
