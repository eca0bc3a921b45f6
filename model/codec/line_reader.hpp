// Lines of a stream, each at most a fixed number of bytes. A longer line is
// reported and skipped without ever being held in memory, so a hostile or
// corrupted JSON Lines file cannot make the reader allocate more than the
// bound.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace sa::trace {

class LineReader {
 public:
  enum class Result { Line, TooLong, End };

  LineReader(std::istream& in, size_t max_bytes);

  // The next line without its '\n' (a final line without one counts too).
  // TooLong: the line exceeded the bound; `line` is cleared and the reader
  // has moved past it.
  Result next(std::string& line);
  size_t line_number() const { return line_number_; }  // of the line last returned
  bool failed() const { return failed_; }              // an I/O error, not end of file

 private:
  bool fill();

  std::istream& in_;
  size_t max_bytes_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  size_t line_number_ = 0;
};

}  // namespace sa::trace
