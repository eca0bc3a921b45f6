// Structured logs: an event name and fields, printed as `event key=value`
// text or as one JSON object per line (--log-format json), through spdlog.
#pragma once

#include <spdlog/spdlog.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace sa::agent {

enum class LogFormat { Text, Json };

void init_logging(LogFormat format);

using LogField = std::pair<std::string_view, nlohmann::json>;
void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields);
// The same with fields built at run time.
void log_event(spdlog::level::level_enum level, std::string_view event,
               const nlohmann::json& fields);

}  // namespace sa::agent
