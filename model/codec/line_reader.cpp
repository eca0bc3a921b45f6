#include "model/codec/line_reader.hpp"

#include <cstring>

namespace sa::trace {

namespace {
constexpr size_t kChunk = 256 * 1024;
}

LineReader::LineReader(std::istream& in, size_t max_bytes)
    : in_(in), max_bytes_(max_bytes), buffer_(kChunk) {}

bool LineReader::fill() {
  if (eof_)
    return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  const std::streamsize got = in_.gcount();
  if (in_.bad())
    failed_ = true;
  if (got <= 0) {
    eof_ = true;
    return false;
  }
  begin_ = 0;
  end_ = static_cast<size_t>(got);
  return true;
}

LineReader::Result LineReader::next(std::string& line) {
  line.clear();
  bool too_long = false;
  bool any = false;
  while (true) {
    if (begin_ == end_ && !fill())
      break;
    any = true;
    const char* start = buffer_.data() + begin_;
    const size_t available = end_ - begin_;
    const void* nl = std::memchr(start, '\n', available);
    const size_t take =
        nl == nullptr ? available : static_cast<size_t>(static_cast<const char*>(nl) - start);
    if (!too_long) {
      if (line.size() + take > max_bytes_) {
        too_long = true;
        line.clear();
        line.shrink_to_fit();
      } else {
        line.append(start, take);
      }
    }
    begin_ += take;
    if (nl != nullptr) {
      ++begin_;  // the '\n'
      ++line_number_;
      return too_long ? Result::TooLong : Result::Line;
    }
  }
  if (!any)
    return Result::End;
  ++line_number_;
  return too_long ? Result::TooLong : Result::Line;
}

}  // namespace sa::trace
