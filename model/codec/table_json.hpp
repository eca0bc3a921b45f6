// table.json: writing, reading with validation, and the content hash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "model/table/table.hpp"

namespace sa::table {

// A table that cannot be used, with the JSON path of the offending value.
class TableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const Table& t);  // includes "hash", computed here
std::string compute_hash(const nlohmann::json& without_hash);

// Checks schema name, version and hash, then every field's type and range.
Table from_json(const nlohmann::json& j);
// Reads a regular file of at most kMaxTableBytes; throws TableError.
inline constexpr int64_t kMaxTableBytes = int64_t{256} << 20;
Table load_table_file(const std::string& path);

nlohmann::json action_to_json(const Action& a);
Action action_from_json(const nlohmann::json& j, const std::string& path);

}  // namespace sa::table
