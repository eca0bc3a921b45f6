// Reads a trace in either form (docs/trace-format.md): JSON Lines, streamed
// one bounded line at a time so that memory stays flat whatever the length,
// or the one-document JSON form, parsed whole (up to kMaxDocumentBytes).
// Every problem is a TraceError naming the source and line.
#pragma once

#include <fstream>
#include <istream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/codec/line_reader.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::trace {

class TraceError : public std::runtime_error {
 public:
  // "trace.jsonl:17: message"; line 0 when the problem is the whole source.
  TraceError(const std::string& source, size_t line, const std::string& message);
  size_t line() const { return line_; }

 private:
  size_t line_;
};

struct TraceItem {
  enum class Kind { Container, Notification };
  Kind kind = Kind::Notification;
  // Container: the one just declared. Notification: the container it names,
  // nullptr when it names none. Valid until the next call to next().
  const model::ContainerInfo* container = nullptr;
  NotificationRecord notification;  // Notification
};

class TraceReader {
 public:
  // "-" reads standard input. Throws TraceError when the source cannot be
  // opened or its header is wrong.
  explicit TraceReader(const std::string& path);
  TraceReader(std::istream& in, std::string name);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const Header& header() const { return header_; }
  const std::string& name() const { return name_; }
  bool is_document() const { return document_ != nullptr; }

  // The next container or notification record; false at the end. Throws
  // TraceError for a malformed record.
  bool next(TraceItem& out);

 private:
  struct Document;

  void start();
  void start_document(const std::string& first_line, size_t first_line_number);
  std::string document_text(const std::string& first_line, size_t first_line_number);
  std::unique_ptr<Document> parse_document(const std::string& text, size_t last_line);
  void check_document(const nlohmann::json& root, size_t line);
  bool next_line(TraceItem& out);
  bool next_in_document(TraceItem& out);
  void declare(model::ContainerInfo c, TraceItem& out);
  void notification(NotificationRecord n, TraceItem& out);
  [[noreturn]] void fail(size_t line, const std::string& message) const;

  std::unique_ptr<std::ifstream> file_;
  std::istream& in_;
  std::string name_;
  LineReader lines_;
  Header header_;
  std::map<std::string, model::ContainerInfo> containers_;
  uint64_t notifications_ = 0;
  std::unique_ptr<Document> document_;
};

}  // namespace sa::trace
