// Records <-> JSON objects, for both trace forms. Decoding checks every key
// and type and throws FieldError naming the JSON path of the bad value.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "model/trace/trace_model.hpp"

namespace sa::trace {

class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Written with keys in a fixed, readable order ("type" first). JSON Lines
// records carry "type"; the document form's array items do not.
nlohmann::ordered_json header_to_json(const Header& h);
nlohmann::ordered_json container_to_json(const model::ContainerInfo& c, bool with_type);
nlohmann::ordered_json notification_to_json(const NotificationRecord& n, bool with_type);
nlohmann::ordered_json decision_to_json(const RecordedDecision& d);

Header header_from_json(const nlohmann::json& j);
// Also fills meta and the Kubernetes identity (model::complete).
model::ContainerInfo container_from_json(const nlohmann::json& j, const std::string& path);
// Resolves arch, syscall name and number against libseccomp and checks the
// strings against the syscall's signature.
NotificationRecord notification_from_json(const nlohmann::json& j, const std::string& path);
RecordedDecision decision_from_json(const nlohmann::json& j, const std::string& path);

}  // namespace sa::trace
