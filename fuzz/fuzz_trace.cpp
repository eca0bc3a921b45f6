// A trace, as `seccomp-sim replay` and `test` read it: the JSON Lines form
// (header line, then container and notification records) or the document
// form. Rejection is a TraceError; whatever is read, written out as JSON
// Lines and read back, is written the same again.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "model/codec/trace_reader.hpp"
#include "model/codec/trace_writer.hpp"

namespace {

struct Read {
  sa::trace::Header header;
  std::vector<sa::trace::TraceItem> items;
  std::vector<sa::model::ContainerInfo> containers;  // the item's container, copied
};

Read read_all(std::istream& in) {
  sa::trace::TraceReader reader(in, "fuzz");
  Read r;
  r.header = reader.header();
  sa::trace::TraceItem item;
  while (reader.next(item)) {
    r.containers.push_back(item.container != nullptr ? *item.container
                                                     : sa::model::ContainerInfo{});
    r.items.push_back(item);
  }
  return r;
}

std::string write_all(const Read& r) {
  std::ostringstream out;
  sa::trace::TraceWriter writer(out, r.header);
  for (size_t i = 0; i < r.items.size(); ++i) {
    if (r.items[i].kind == sa::trace::TraceItem::Kind::Container)
      writer.container(r.containers[i]);
    else
      writer.notification(r.items[i].notification);
  }
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  Read first;
  try {
    first = read_all(in);
  } catch (const sa::trace::TraceError&) {
    return 0;  // refused, with a line number
  }
  const std::string once = write_all(first);
  std::istringstream again(once);
  const std::string twice = write_all(read_all(again));
  sa::fuzz::require(once == twice, "a trace read and written is written the same again");
  return 0;
}
