// Templates in rule values: "{path}-pid-{pid}", "{meta.EXEC_PATTERN}".
// Parsed once (by the compiler to check them, by the engine when it loads a
// table) and expanded per notification. A value substituted into a template
// is never expanded again, except for the Go-template forms Kinvolk's agent
// understood inside listenerMetadata ("{{.Namespace}}"), so that profiles
// written for it work unchanged.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/catalog/syscalls.hpp"
#include "model/names.hpp"

namespace sa::table {

// What `{NAME|FILTER}` does to a placeholder's value.
enum class TemplateFilter {
  // Go's filepath.Base, which runc's reference agent applies to its
  // listenerMetadata: the last element after trailing slashes are removed;
  // "" gives ".", a string of slashes "/".
  Basename,
};
std::string apply_filter(TemplateFilter f, std::string_view value);

struct Segment {
  enum class Kind {
    Literal,
    Arg,            // {path}: a syscall argument (strings as read, integers in decimal)
    Pid,            // {pid}: the calling process, as the agent sees it
    ContainerPid,   // {container.pid}: the container's init
    ContainerId,    // {container.id}
    ContainerName,  // {container.name}
    PodNamespace,   // {pod.namespace}
    PodName,        // {pod.name}
    Meta,           // {meta.KEY}: listenerMetadata, Go-template forms expanded
    Metadata,       // {meta}: the whole listenerMetadata string, as received
    Annotation,     // {annotation.KEY}
  };
  Kind kind = Kind::Literal;
  std::string text;  // Literal: the text; Meta / Annotation: the key; Arg: its name
  int arg = -1;
  catalog::ArgType type = catalog::ArgType::Str;
  std::optional<TemplateFilter> filter;  // {NAME|FILTER}: applied to the value
};

struct Template {
  std::vector<Segment> segments;
  bool is_constant() const;  // no placeholders: the text is the value
  bool uses_arg() const;     // needs a syscall argument
};

struct TemplateError {
  std::string message;
  size_t offset = 0;  // inside the template text
  size_t length = 1;
};

// `syscall` resolves argument placeholders; pass "" where none are allowed
// (selectors, durations of a policy default).
std::optional<Template> parse_template(std::string_view text, std::string_view syscall,
                                       TemplateError* error);

// Values for the placeholders. Returning nullopt makes expansion fail (an
// argument that could not be read); a missing meta key expands to "".
using SegmentResolver = std::function<std::optional<std::string>(const Segment&)>;
std::optional<std::string> expand(const Template& t, const SegmentResolver& resolve);

// The identity Kinvolk's PodContext exposed to listenerMetadata templates.
struct GoTemplateContext {
  std::string ns;
  std::string pod;
  std::string container;
  long pid = 0;
  long pid1 = 0;
};
// Expands {{.Namespace}}, {{.Pod}}, {{.Container}}, {{.Pid}}, {{.Pid1}};
// anything else inside {{ }} is an error reported through `error`.
std::string expand_go_template(std::string_view value, const GoTemplateContext& ctx,
                               std::string* error);

// Go's time.ParseDuration for the forms metadata uses: "2s", "1.5s",
// "300ms", "1m30s", "2h". Returns milliseconds.
std::optional<uint64_t> parse_go_duration(std::string_view text);

// Shell-style glob: * ? [abc] [a-z] [!x], backslash escapes. `*` crosses '/'.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace sa::table

namespace sa {
template <>
struct Vocabulary<table::TemplateFilter> {
  static constexpr std::size_t count = 1;
  static constexpr std::array<NameEntry<table::TemplateFilter>, count> names{{
      {table::TemplateFilter::Basename, "basename"},
  }};
};
}  // namespace sa
