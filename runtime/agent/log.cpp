#include "agent/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace sa::agent {
namespace {

LogFormat g_format = LogFormat::Text;

std::string text_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    const bool bare = !s.empty() && s.find_first_of(" \"=\n\t\\") == std::string::npos;
    return bare ? s : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void init_logging(LogFormat format) {
  g_format = format;
  auto logger = spdlog::stderr_logger_mt("seccomp-agent");
  if (format == LogFormat::Json) {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void log_event(spdlog::level::level_enum level, std::string_view event,
               const nlohmann::json& fields) {
  if (!spdlog::default_logger_raw()->should_log(level))
    return;
  std::string line;
  if (g_format == LogFormat::Json) {
    nlohmann::json j = fields.is_object() ? fields : nlohmann::json::object();
    j["event"] = event;
    const std::string object = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line = object.substr(1, object.size() - 2);  // the pattern supplies the braces
  } else {
    line = std::string(event);
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items())
        line += " " + k + "=" + text_value(v);
    }
  }
  spdlog::log(level, "{}", line);
}

void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : fields)
    j[std::string(k)] = v;
  log_event(level, event, j);
}

}  // namespace sa::agent
