#include "core/db/maintenance.hpp"

namespace bscbot::core::db {

const std::vector<std::string>& required_tables() {
  static const std::vector<std::string> tables = {"trades", "users", "wallets", "knex_migrations"};
  return tables;
}

const std::vector<std::string>& counted_tables() {
  static const std::vector<std::string> tables = {"trades", "users", "wallets"};
  return tables;
}

}  // namespace bscbot::core::db
