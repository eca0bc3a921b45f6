#include "model/codec/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "model/codec/trace_json.hpp"

namespace sa::trace {

using nlohmann::json;

TraceError::TraceError(const std::string& source, size_t line, const std::string& message)
    : std::runtime_error(line == 0 ? fmt::format("{}: {}", source, message)
                                   : fmt::format("{}:{}: {}", source, line, message)),
      line_(line) {}

namespace {

std::unique_ptr<std::ifstream> open_file(const std::string& path) {
  if (path == "-")
    return nullptr;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw TraceError(path, 0, "is a directory");
  auto f = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!f->is_open())
    throw TraceError(path, 0, fmt::format("cannot open: {}", std::strerror(errno)));
  return f;
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// nlohmann's message without its "[json.exception...]" tag and with the
// position reduced to the column (the line is reported separately).
std::string parse_error_text(const json::parse_error& e) {
  std::string text = e.what();
  if (auto at = text.find("] "); at != std::string::npos)
    text = text.substr(at + 2);
  if (auto col = text.find("column "); col != std::string::npos)
    return text.substr(col);
  return text;
}

// An input iterator that counts the newlines the JSON parser has consumed,
// so that array items of the document form can be reported by line.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, size_t* newlines) : p_(p), newlines_(newlines) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    if (*p_ == '\n')
      ++*newlines_;
    ++p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  size_t* newlines_;
};

}  // namespace

struct TraceReader::Document {
  json root;
  std::vector<size_t> container_lines;
  std::vector<size_t> notification_lines;
  size_t next_container = 0;
  size_t next_notification = 0;
};

TraceReader::TraceReader(const std::string& path)
    : file_(open_file(path)),
      in_(file_ ? static_cast<std::istream&>(*file_) : std::cin),
      name_(path == "-" ? "<stdin>" : path),
      lines_(in_, kMaxLineBytes) {
  start();
}

TraceReader::TraceReader(std::istream& in, std::string name)
    : in_(in), name_(std::move(name)), lines_(in_, kMaxLineBytes) {
  start();
}

TraceReader::~TraceReader() = default;

void TraceReader::fail(size_t line, const std::string& message) const {
  throw TraceError(name_, line, message);
}

void TraceReader::start() {
  std::string line;
  while (true) {
    const auto r = lines_.next(line);
    if (r == LineReader::Result::End) {
      fail(0, lines_.failed() ? "read error" : "empty: a trace starts with its header");
    }
    if (r == LineReader::Result::TooLong) {
      fail(lines_.line_number(), fmt::format("line longer than {} bytes", kMaxLineBytes));
    }
    if (!blank(line))
      break;
  }
  const size_t number = lines_.line_number();
  json first = json::parse(line, nullptr, false);
  if (first.is_discarded() || !first.is_object() || !first.contains("type")) {
    start_document(line, number);
    return;
  }
  const json& type = first["type"];
  if (!type.is_string() || type.get_ref<const std::string&>() != "header") {
    fail(
        number,
        R"(the first record must be the header {"type":"header","format":"seccomp-agent/trace","version":1})");
  }
  try {
    header_ = header_from_json(first);
  } catch (const FieldError& e) {
    fail(number, e.what());
  }
}

std::string TraceReader::document_text(const std::string& first_line, size_t first_line_number) {
  // Blank lines before the first keep their place so that lines count true.
  std::string text(first_line_number - 1, '\n');
  text += first_line;
  text += '\n';
  std::string line;
  while (true) {
    const auto r = lines_.next(line);
    if (r == LineReader::Result::End)
      break;
    if (r == LineReader::Result::TooLong) {
      fail(lines_.line_number(), fmt::format("line longer than {} bytes", kMaxLineBytes));
    }
    if (text.size() + line.size() + 1 > kMaxDocumentBytes) {
      fail(0, fmt::format("not JSON Lines (line {} is not a record with \"type\"), and over {} MiB "
                          "for the one-document form",
                          first_line_number, kMaxDocumentBytes >> 20));
    }
    text += line;
    text += '\n';
  }
  if (lines_.failed())
    fail(0, "read error");
  return text;
}

std::unique_ptr<TraceReader::Document> TraceReader::parse_document(const std::string& text,
                                                                   size_t last_line) {
  auto doc = std::make_unique<Document>();
  size_t newlines = 0;
  std::string top_key;
  // Records the line of every item of "containers" and "notifications".
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if (depth == 1 && event == E::key)
      top_key = parsed.get<std::string>();
    const bool item = event == E::object_start || event == E::array_start || event == E::value;
    if (depth == 2 && item) {
      if (top_key == "containers")
        doc->container_lines.push_back(newlines + 1);
      if (top_key == "notifications")
        doc->notification_lines.push_back(newlines + 1);
    }
    return true;
  };
  const CountingIterator begin(text.data(), &newlines);
  const CountingIterator end(text.data() + text.size(), &newlines);
  try {
    doc->root = json::parse(begin, end, callback);
  } catch (const json::parse_error& e) {
    // At the end of input the parser stands after the last line's '\n'.
    std::string message = parse_error_text(e);
    if (newlines + 1 > last_line && message.rfind("column ", 0) == 0) {
      message = message.substr(message.find(' ', 7) + 1);
    }
    fail(std::min(newlines + 1, last_line), fmt::format("not valid JSON: {}", message));
  } catch (const json::exception& e) {  // a number out of range (1e999) is not a parse_error
    fail(std::min(newlines + 1, last_line), fmt::format("not valid JSON: {}", e.what()));
  }
  return doc;
}

void TraceReader::check_document(const json& root, size_t line) {
  if (!root.is_object())
    fail(line, "a trace document is a JSON object");
  json header = json::object();
  for (const auto& [key, value] : root.items()) {
    if (key == "format" || key == "version" || key == "table_hash") {
      header[key] = value;
    } else if (key == "containers" || key == "notifications") {
      if (!value.is_array())
        fail(line, fmt::format("\"{}\" must be an array", key));
    } else {
      fail(line, fmt::format("unknown key \"{}\" in the trace document", key));
    }
  }
  try {
    header_ = header_from_json(header);
  } catch (const FieldError& e) {
    fail(line, e.what());
  }
}

void TraceReader::start_document(const std::string& first_line, size_t first_line_number) {
  const std::string text = document_text(first_line, first_line_number);
  auto doc = parse_document(text, std::max(lines_.line_number(), first_line_number));
  check_document(doc->root, first_line_number);
  document_ = std::move(doc);
}

bool TraceReader::next(TraceItem& out) {
  return document_ ? next_in_document(out) : next_line(out);
}

void TraceReader::declare(model::ContainerInfo c, TraceItem& out) {
  const std::string id = c.id;
  auto& slot = containers_[id];
  slot = std::move(c);
  out.kind = TraceItem::Kind::Container;
  out.container = &slot;
}

void TraceReader::notification(NotificationRecord n, TraceItem& out) {
  ++notifications_;
  if (n.seq == 0)
    n.seq = notifications_;
  out.container = nullptr;
  if (!n.container.empty()) {
    auto it = containers_.find(n.container);
    if (it == containers_.end()) {
      fail(n.line, fmt::format("notification names container \"{}\", which no container record "
                               "before it declares",
                               n.container));
    }
    out.container = &it->second;
  }
  out.kind = TraceItem::Kind::Notification;
  out.notification = std::move(n);
}

bool TraceReader::next_line(TraceItem& out) {
  std::string line;
  while (true) {
    const auto r = lines_.next(line);
    if (r == LineReader::Result::End) {
      if (lines_.failed())
        fail(0, "read error");
      return false;
    }
    const size_t number = lines_.line_number();
    if (r == LineReader::Result::TooLong) {
      fail(number, fmt::format("line longer than {} bytes", kMaxLineBytes));
    }
    if (blank(line))
      continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      fail(number, fmt::format("not valid JSON (a truncated or corrupted record?): {}",
                               parse_error_text(e)));
    } catch (const json::exception& e) {  // a number out of range (1e999)
      fail(number, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!j.is_object())
      fail(number, "a record is a JSON object");
    auto type = j.find("type");
    if (type == j.end() || !type->is_string())
      fail(number, "a record needs a string \"type\"");
    const std::string& kind = type->get_ref<const std::string&>();
    try {
      if (kind == "container") {
        declare(container_from_json(j, "container"), out);
        return true;
      }
      if (kind == "notification") {
        NotificationRecord n = notification_from_json(j, "notification");
        n.line = number;
        notification(std::move(n), out);
        return true;
      }
    } catch (const FieldError& e) {
      fail(number, e.what());
    }
    if (kind == "header")
      fail(number, "a second header");
    fail(number, fmt::format("unknown record type \"{}\" (header, container, notification)",
                             kind.substr(0, 40)));
  }
}

bool TraceReader::next_in_document(TraceItem& out) {
  Document& d = *document_;
  const json& root = d.root;
  try {
    if (auto c = root.find("containers"); c != root.end() && d.next_container < c->size()) {
      const size_t i = d.next_container++;
      try {
        declare(container_from_json((*c)[i], fmt::format("containers[{}]", i)), out);
      } catch (const FieldError& e) {
        fail(d.container_lines.at(i), e.what());
      }
      return true;
    }
    if (auto n = root.find("notifications"); n != root.end() && d.next_notification < n->size()) {
      const size_t i = d.next_notification++;
      NotificationRecord record;
      try {
        record = notification_from_json((*n)[i], fmt::format("notifications[{}]", i));
      } catch (const FieldError& e) {
        fail(d.notification_lines.at(i), e.what());
      }
      record.line = d.notification_lines.at(i);
      notification(std::move(record), out);
      return true;
    }
  } catch (const std::out_of_range&) {
    fail(0, "the document's items could not be located");  // the parser saw fewer items
  }
  return false;
}

}  // namespace sa::trace
