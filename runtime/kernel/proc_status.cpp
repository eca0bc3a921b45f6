#include "kernel/proc_status.hpp"

#include <array>
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

// Every number of a "Key:\tn n n" line; at least one.
template <typename T>
std::vector<T> numbers(std::string_view text, std::string_view key, bool may_be_empty = false) {
  auto value = status_value(text, key);
  if (!value) {
    malformed("/proc/PID/status", "no " + std::string(key) + " line");
  }
  std::vector<T> out;
  while (!skip_blanks(*value).empty()) {
    const auto n = take_number<T>(*value, 10);
    if (!n) {
      malformed("/proc/PID/status", "bad " + std::string(key) + " line");
    }
    out.push_back(*n);
  }
  if (out.empty() && !may_be_empty) {
    malformed("/proc/PID/status", "empty " + std::string(key) + " line");
  }
  return out;
}

// "Uid:\treal\teffective\tsaved\tfs".
std::array<uint32_t, 4> id_set(std::string_view text, std::string_view key) {
  const auto ids = numbers<uint32_t>(text, key);
  if (ids.size() != 4) {
    malformed("/proc/PID/status", "bad " + std::string(key) + " line");
  }
  return {ids[0], ids[1], ids[2], ids[3]};
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

}  // namespace

StatusFields parse_status(std::string_view text) {
  StatusFields f;
  const auto uids = id_set(text, "Uid");
  const auto gids = id_set(text, "Gid");
  f.euid = uids[1];
  f.fsuid = uids[3];
  f.egid = gids[1];
  f.fsgid = gids[3];
  f.cap_effective = single_number<uint64_t>(text, "CapEff", 16);
  f.umask = single_number<mode_t>(text, "Umask", 8);
  f.groups = numbers<gid_t>(text, "Groups", /*may_be_empty=*/true);
  f.ns_tgid = numbers<int32_t>(text, "NStgid");
  f.ns_pid = numbers<int32_t>(text, "NSpid");
  if (f.ns_tgid.size() != f.ns_pid.size()) {
    malformed("/proc/PID/status", "NStgid and NSpid differ in length");
  }
  return f;
}

std::optional<uint64_t> stat_start_time(std::string_view text) noexcept {
  // The command (field 2) is in parentheses and may hold anything.
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(close + 1);
  for (int field = 3; field < 22; ++field) {
    rest = skip_blanks(rest);
    const size_t end = rest.find(' ');
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    rest.remove_prefix(end);
  }
  return take_number<uint64_t>(rest, 10);
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
