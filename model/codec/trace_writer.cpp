#include "model/codec/trace_writer.hpp"

#include <fmt/format.h>

#include <ctime>

#include "model/codec/trace_json.hpp"

namespace sa::trace {
namespace {

// Caller strings that are not UTF-8 are written as "bytes" (trace_json);
// what else could carry such bytes is descriptive text (an effect, a
// warning quoting a path), written with U+FFFD in their place rather than
// failing the write: a trace is written by the agent, which must go on.
std::string line_of(const nlohmann::ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

TraceWriter::TraceWriter(std::ostream& out, const Header& header) : out_(out) {
  out_ << line_of(header_to_json(header)) << '\n';
}

void TraceWriter::container(const model::ContainerInfo& c) {
  out_ << line_of(container_to_json(c, true)) << '\n';
}

void TraceWriter::notification(const NotificationRecord& n) {
  // A line per record and a flush per line: a trace cut short by a crash
  // loses at most the record being written.
  out_ << line_of(notification_to_json(n, true)) << '\n';
  out_.flush();
}

void write_document(std::ostream& out, const Header& header,
                    const std::vector<model::ContainerInfo>& containers,
                    const std::vector<NotificationRecord>& notifications) {
  nlohmann::ordered_json doc;
  doc["format"] = kFormatName;
  doc["version"] = header.version;
  if (!header.table_hash.empty())
    doc["table_hash"] = header.table_hash;
  doc["containers"] = nlohmann::ordered_json::array();
  for (const auto& c : containers)
    doc["containers"].push_back(container_to_json(c, false));
  doc["notifications"] = nlohmann::ordered_json::array();
  for (const auto& n : notifications) {
    doc["notifications"].push_back(notification_to_json(n, false));
  }
  out << line_of(doc, 2) << '\n';
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  auto seconds = static_cast<std::time_t>(us / 1000000);
  long micros = static_cast<long>(us % 1000000);
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

}  // namespace sa::trace
