#include "audit_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>

#include "model/catalog/arch.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/codec/line_reader.hpp"

namespace sa::sim {
namespace {

constexpr size_t kMaxAuditLine = 64 * 1024;

bool is_seccomp_record(std::string_view line) {
  return line.find("type=1326 ") != std::string_view::npos ||
         line.find("type=SECCOMP ") != std::string_view::npos;
}

// key=value fields after the record's stamp; values may be double-quoted.
std::map<std::string, std::string, std::less<>> fields_of(std::string_view s) {
  std::map<std::string, std::string, std::less<>> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ')
      ++i;
    const size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ' ')
      ++i;
    if (i >= s.size() || s[i] != '=')
      continue;
    const std::string key(s.substr(key_start, i - key_start));
    ++i;
    size_t value_start = i;
    if (i < s.size() && s[i] == '"') {
      value_start = ++i;
      while (i < s.size() && s[i] != '"')
        ++i;
      out[key] = std::string(s.substr(value_start, i - value_start));
      if (i < s.size())
        ++i;
      continue;
    }
    while (i < s.size() && s[i] != ' ')
      ++i;
    out[key] = std::string(s.substr(value_start, i - value_start));
  }
  return out;
}

template <typename T>
std::optional<T> number(std::string_view s, int base = 10) {
  T v{};
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

// "audit(1594067860.484:14536)": seconds since the epoch with milliseconds.
// ausearch -i prints local dates instead; those are left out of the trace.
std::string time_of(std::string_view line) {
  const size_t open = line.find("audit(");
  if (open == std::string_view::npos)
    return {};
  const size_t colon = line.find(':', open);
  if (colon == std::string_view::npos)
    return {};
  const std::string_view stamp = line.substr(open + 6, colon - open - 6);
  const size_t dot = stamp.find('.');
  // Found by fuzz_audit: a stamp of 10^10 seconds overflowed the
  // conversion to the system clock's nanoseconds (its range ends in 2262).
  using namespace std::chrono;
  const int64_t last_second = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  const auto secs = number<int64_t>(stamp.substr(0, dot));
  if (!secs || *secs < 0 || *secs > last_second)
    return {};
  int64_t millis = 0;
  if (dot != std::string_view::npos)
    millis = number<int64_t>(stamp.substr(dot + 1)).value_or(0);
  if (millis < 0 || millis > 999)
    return {};
  return trace::rfc3339_utc(system_clock::time_point{seconds{*secs} + milliseconds{millis}});
}

catalog::Arch arch_of(const std::string& text) {
  // Raw records carry AUDIT_ARCH in hex (c000003e), interpreted ones a name.
  if (auto audit = number<uint32_t>(text, 16)) {
    if (auto a = catalog::find_arch_by_audit(*audit))
      return *a;
  }
  if (auto a = catalog::find_arch(text))
    return *a;
  throw ImportError(fmt::format("unknown architecture \"{}\"", text));
}

const std::string& field(const std::map<std::string, std::string, std::less<>>& f,
                         const char* key) {
  auto it = f.find(key);
  if (it == f.end())
    throw ImportError(fmt::format("a seccomp record without \"{}=\"", key));
  return it->second;
}

}  // namespace

std::optional<AuditRecord> parse_audit_line(std::string_view line) {
  if (!is_seccomp_record(line))
    return std::nullopt;
  const size_t stamp_end = line.find("):");
  const auto f = fields_of(line.substr(stamp_end == std::string_view::npos ? 0 : stamp_end + 2));
  AuditRecord r;
  trace::NotificationRecord& n = r.notification;
  n.time = time_of(line);
  const std::string& pid = field(f, "pid");
  const auto p = number<uint32_t>(pid);
  if (!p)
    throw ImportError(fmt::format("pid \"{}\" is not a number", pid));
  n.call.pid = *p;
  const catalog::Arch a = arch_of(field(f, "arch"));
  n.arch = a.name;
  n.call.audit_arch = a.audit_arch;
  const std::string& sys = field(f, "syscall");
  if (auto nr = number<int>(sys)) {
    // Found by fuzz_audit: a negative number was kept, and the trace it went
    // into could not be read back. The kernel's numbers are not negative.
    if (*nr < 0)
      throw ImportError(fmt::format("syscall {} is not a syscall number", sys));
    n.call.nr = *nr;
    n.syscall = catalog::syscall_name(a, *nr);
    r.unknown_number = n.syscall.empty();
  } else {
    const auto known = catalog::syscall_number(sys, a);
    if (!known)
      throw ImportError(fmt::format("unknown syscall \"{}\" on {}", sys, a.name));
    n.call.nr = *known;
    n.syscall = sys;
  }
  if (auto it = f.find("comm"); it != f.end())
    r.comm = it->second;
  if (auto it = f.find("exe"); it != f.end())
    r.exe = it->second;
  return r;
}

namespace {

template <typename T>
bool one_of(const std::vector<T>& wanted, const std::optional<T>& value) {
  if (wanted.empty())
    return true;
  return value && std::find(wanted.begin(), wanted.end(), *value) != wanted.end();
}

}  // namespace

bool matches(const AuditFilter& f, const AuditRecord& r) {
  return one_of(f.comm, r.comm) && one_of(f.exe, r.exe) &&
         one_of(f.pid, std::optional<uint32_t>(r.notification.call.pid));
}

ImportCounts import_audit(std::istream& in, const std::string& name, trace::TraceWriter& out,
                          const AuditFilter& filter) {
  ImportCounts counts;
  trace::LineReader lines(in, kMaxAuditLine);
  std::string line;
  while (true) {
    const auto r = lines.next(line);
    if (r == trace::LineReader::Result::End)
      break;
    const size_t number = lines.line_number();
    if (r == trace::LineReader::Result::TooLong) {
      throw ImportError(
          fmt::format("{}:{}: line longer than {} bytes", name, number, kMaxAuditLine));
    }
    std::optional<AuditRecord> record;
    try {
      record = parse_audit_line(line);
    } catch (const ImportError& e) {
      throw ImportError(fmt::format("{}:{}: {}", name, number, e.what()));
    }
    if (!record) {
      ++counts.skipped;
      continue;
    }
    if (!matches(filter, *record)) {
      ++counts.filtered;
      continue;
    }
    trace::NotificationRecord& n = record->notification;
    if (record->unknown_number) {
      counts.warnings.push_back(
          fmt::format("{}:{}: no syscall has number {} on {} (libseccomp does not know it); kept "
                      "by number",
                      name, number, n.call.nr, n.arch));
    }
    n.seq = ++counts.records;
    out.notification(n);
  }
  if (lines.failed())
    throw ImportError(fmt::format("{}: read error", name));
  return counts;
}

}  // namespace sa::sim
