#pragma once
// Opening the PostgreSQL store (open_store() calls this for DB_CLIENT=pg).
#include <memory>

#include "core/db/pg/connection.hpp"
#include "core/db/store.hpp"

namespace bscbot::core::db::pg {

std::unique_ptr<Store> open_pg_store(const ConnectSettings& settings, Access access, StoreOptions options);

}  // namespace bscbot::core::db::pg
