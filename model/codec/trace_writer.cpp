#include "model/codec/trace_writer.hpp"

#include <fmt/format.h>

#include <ctime>

#include "model/codec/trace_json.hpp"

namespace sa::trace {

TraceWriter::TraceWriter(std::ostream& out, const Header& header) : out_(out) {
  out_ << header_to_json(header).dump() << '\n';
}

void TraceWriter::container(const model::ContainerInfo& c) {
  out_ << container_to_json(c, true).dump() << '\n';
}

void TraceWriter::notification(const NotificationRecord& n) {
  // A line per record and a flush per line: a trace cut short by a crash
  // loses at most the record being written.
  out_ << notification_to_json(n, true).dump() << '\n';
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
  out << doc.dump(2) << '\n';
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
