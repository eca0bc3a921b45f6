#include "kernel/proc_status.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace sa::kernel {
namespace {

[[noreturn]] void malformed(std::string_view file, std::string_view what) {
  throw std::runtime_error("malformed " + std::string(file) + ": " + std::string(what));
}

// The value part of the "Key:\tvalue..." line, or nullopt when absent.
std::optional<std::string_view> status_value(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      return line.substr(key.size() + 1);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::string_view skip_blanks(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t");
  return first == std::string_view::npos ? std::string_view{} : s.substr(first);
}

// Parses one number at the start of `s` (after blanks) and advances past it.
template <typename T>
std::optional<T> take_number(std::string_view& s, int base) {
  s = skip_blanks(s);
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc{} || end == s.data()) {
    return std::nullopt;
  }
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}

// "Uid:\treal\teffective\tsaved\tfs": the second column.
uint32_t effective_id(std::string_view text, std::string_view key) {
  auto value = status_value(text, key);
  if (!value) {
    malformed("/proc/PID/status", "no " + std::string(key) + " line");
  }
  const auto real = take_number<uint32_t>(*value, 10);
  const auto effective = take_number<uint32_t>(*value, 10);
  if (!real || !effective) {
    malformed("/proc/PID/status", "bad " + std::string(key) + " line");
  }
  return *effective;
}

template <typename T>
T single_number(std::string_view text, std::string_view key, int base) {
  auto value = status_value(text, key);
  if (!value) {
    malformed("/proc/PID/status", "no " + std::string(key) + " line");
  }
  const auto number = take_number<T>(*value, base);
  if (!number) {
    malformed("/proc/PID/status", "bad " + std::string(key) + " line");
  }
  return *number;
}

// "Groups:\t100 101 \n", possibly empty.
std::vector<gid_t> groups(std::string_view text) {
  auto value = status_value(text, "Groups");
  if (!value) {
    malformed("/proc/PID/status", "no Groups line");
  }
  std::vector<gid_t> out;
  while (!skip_blanks(*value).empty()) {
    const auto gid = take_number<gid_t>(*value, 10);
    if (!gid) {
      malformed("/proc/PID/status", "bad Groups line");
    }
    out.push_back(*gid);
  }
  return out;
}

}  // namespace

StatusFields parse_status(std::string_view text) {
  StatusFields f;
  f.euid = effective_id(text, "Uid");
  f.egid = effective_id(text, "Gid");
  f.cap_effective = single_number<uint64_t>(text, "CapEff", 16);
  f.umask = single_number<mode_t>(text, "Umask", 8);
  f.groups = groups(text);
  return f;
}

std::vector<IdRange> parse_id_map(std::string_view text) {
  std::vector<IdRange> map;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (skip_blanks(line).empty()) {
      continue;
    }
    const auto inside = take_number<uint32_t>(line, 10);
    const auto outside = take_number<uint32_t>(line, 10);
    const auto count = take_number<uint32_t>(line, 10);
    if (!inside || !outside || !count || !skip_blanks(line).empty()) {
      malformed("id map", "bad line");
    }
    map.push_back({*inside, *outside, *count});
  }
  return map;
}

std::optional<uint32_t> map_into_namespace(uint32_t outside, const std::vector<IdRange>& map) {
  for (const IdRange& r : map) {
    // 64-bit arithmetic: the identity map covers 4294967295 ids from 0.
    if (outside >= r.outside && uint64_t{outside} < uint64_t{r.outside} + r.count) {
      return r.inside + (outside - r.outside);
    }
  }
  return std::nullopt;
}

}  // namespace sa::kernel
