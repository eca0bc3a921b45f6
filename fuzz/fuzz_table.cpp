// table.json as the agent loads it at start and on SIGHUP. Rejection is an
// exception (the agent keeps its table and logs why); a table that loads,
// written out and read back, is written the same again. The content hash
// is recomputed over what the fuzzer wrote (a mismatch is refused before
// anything else is read, and random bytes never match): the checks behind
// it are what is worth reaching.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "model/codec/table_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded())
    return 0;
  if (doc.is_object()) {
    doc.erase("hash");
    doc["hash"] = sa::table::compute_hash(doc);
  }
  sa::table::Table table;
  try {
    table = sa::table::from_json(doc);
  } catch (const std::exception&) {
    return 0;  // refused: the loader's documented answer
  }
  const nlohmann::json once = sa::table::to_json(table);
  const nlohmann::json twice = sa::table::to_json(sa::table::from_json(once));
  sa::fuzz::require(once == twice, "a loaded table re-serialises to the same JSON");
  return 0;
}
