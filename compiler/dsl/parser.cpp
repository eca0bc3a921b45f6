#include "dsl/parser.hpp"

#include <fmt/format.h>

#include <charconv>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "diag/diagnostics.hpp"
#include "dsl/grammar.hpp"

namespace sa::dsl {
namespace {

namespace p = tao::pegtl;
namespace g = grammar;
using Node = p::parse_tree::node;

// ---- error messages for every `must` point ------------------------------
template <typename>
inline constexpr const char* error_message = nullptr;
template <>
inline constexpr auto error_message<g::expected<g::syscalls>> = "expected a syscall name or '*'";
template <>
inline constexpr auto error_message<g::expected<g::syscall_name>> =
    "expected a syscall name after '|'";
template <>
inline constexpr auto error_message<g::expected<g::arrow>> = "expected a condition or '->'";
template <>
inline constexpr auto error_message<g::expected<g::actions>> = "expected an action";
template <>
inline constexpr auto error_message<g::expected<g::action_item>> = "expected an action after ','";
template <>
inline constexpr auto error_message<g::expected<g::end_of_rule>> =
    "expected ',' and another action, or the end of the rule";
template <>
inline constexpr auto error_message<g::expected<g::escape_char>> =
    "unknown escape sequence in string";
template <>
inline constexpr auto error_message<g::expected<p::one<'"'>>> = "unterminated string";
template <>
inline constexpr auto error_message<g::expected<g::string_lit>> = "expected a quoted string";
template <>
inline constexpr auto error_message<g::expected<p::one<']'>>> = "expected ']'";
template <>
inline constexpr auto error_message<g::expected<g::value>> = "expected a value";
template <>
inline constexpr auto error_message<g::expected<g::value_union>> = "expected a value";
template <>
inline constexpr auto error_message<g::expected<g::mask_value>> = "expected a mask after '&'";
template <>
inline constexpr auto error_message<g::expected<g::meta_key>> =
    "expected a metadata key after 'meta.'";
template <>
inline constexpr auto error_message<g::expected<g::list_source>> =
    "expected '[' or a field after 'in'";
template <>
inline constexpr auto error_message<g::expected<g::close_paren>> = "expected ')'";
template <>
inline constexpr auto error_message<g::expected<g::or_expr>> = "expected a condition after '('";
template <>
inline constexpr auto error_message<g::expected<g::and_expr>> = "expected a condition after 'or'";
template <>
inline constexpr auto error_message<g::expected<g::primary>> = "expected a condition";
template <>
inline constexpr auto error_message<g::expected<g::capability>> =
    "expected a capability name such as CAP_SYS_ADMIN";
template <>
inline constexpr auto error_message<g::expected<g::kw_userns>> = "expected 'userns' after 'in'";
template <>
inline constexpr auto error_message<g::expected<g::kw_init>> = "expected 'init' after 'caller is'";
template <>
inline constexpr auto error_message<g::expected<g::kw_age>> = "expected 'age' after 'until'";
template <>
inline constexpr auto error_message<g::expected<g::kw_container>> =
    "expected 'container' after 'stop'";
template <>
inline constexpr auto error_message<g::expected<g::freeze_container>> =
    "expected 'container' after 'freeze'";
template <>
inline constexpr auto error_message<g::expected<g::duration>> =
    "expected a duration such as 2s or 500ms";
template <>
inline constexpr auto error_message<g::expected<g::kw_then>> = "expected 'then' after the delay";
template <>
inline constexpr auto error_message<g::expected<g::response>> =
    "expected continue, errno, return, kill or emulate after 'then'";
template <>
inline constexpr auto error_message<g::expected<g::kw_agent>> =
    "expected 'agent' after 'as' (an emulation runs with the caller's credentials unless it says "
    "`as agent`)";
template <>
inline constexpr auto error_message<g::expected<g::errno_value>> =
    "expected an errno name or number";
template <>
inline constexpr auto error_message<g::expected<g::integer>> = "expected an integer";

struct error_messages {
  template <typename Rule>
  static constexpr const char* message = error_message<Rule>;
};
template <typename Rule>
using control = p::must_if<error_messages>::control<Rule>;

constexpr const char* kTooDeep = "parentheses nested too deeply";

struct DepthGuard {
  explicit DepthGuard(size_t& d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  size_t& depth;
};

template <typename Rule>
struct depth_action : p::nothing<Rule> {};

// Bounds the recursion of nested groups, so that "((((..." cannot exhaust
// the stack however long the input.
template <>
struct depth_action<g::group> : p::maybe_nothing {
  template <typename Rule, p::apply_mode A, p::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, States&&... st) {
    const DepthGuard guard(in.private_depth);
    if (in.private_depth > kMaxGroupDepth)
      throw p::parse_error(kTooDeep, in);
    return p::match<Rule, A, M, Action, Control>(in, st...);
  }
};

template <typename Rule>
using selector = p::parse_tree::selector<
    Rule, p::parse_tree::store_content::on<
              g::syscall_name, g::any_syscall, g::or_expr, g::and_expr, g::not_expr, g::requirement,
              g::has_cap, g::in_userns, g::comparison, g::f_pod_namespace, g::f_pod_name,
              g::f_container_name, g::f_container_id, g::f_caller_uid, g::f_caller_gid,
              g::f_caller_pid, g::f_annotation, g::f_meta, g::f_metadata, g::f_arg, g::meta_key,
              g::compare_test, g::mask_test, g::mask_value, g::mask_cmp, g::in_test, g::negated,
              g::list_lit, g::glob_test, g::prefix_test, g::op_eq, g::op_ne, g::op_le, g::op_ge,
              g::op_lt, g::op_gt, g::value_union, g::string_lit, g::integer, g::word, g::capability,
              g::userns_suffix, g::actions, g::a_log, g::a_stop, g::a_freeze, g::a_delay, g::until_age, g::is_init, g::duration_literal,
              g::r_continue, g::kw_unsafe, g::r_errno, g::errno_value, g::r_return, g::r_kill,
              g::r_emulate, g::emulate_op, g::emulate_param, g::param_key, g::emulate_as>>;

// ---- tree -> AST --------------------------------------------------------
class Builder {
 public:
  std::vector<SyntaxError> errors;

  Rule rule(const Node& root) {
    Rule r;
    for (const auto& c : root.children) {
      if (c->is_type<g::any_syscall>()) {
        r.any_syscall = true;
        r.syscalls_span = span(*c);
      } else if (c->is_type<g::syscall_name>()) {
        r.syscalls.push_back(name(*c));
        extend(r.syscalls_span, span(*c));
      } else if (c->is_type<g::or_expr>()) {
        r.condition = condition(*c, /*top_level=*/true, &r.requirements);
      } else if (c->is_type<g::actions>()) {
        r.action = action(*c);
      }
    }
    return r;
  }

  Action action(const Node& n) {
    Action a;
    a.span = span(n);
    for (const auto& c : n.children) {
      if (c->is_type<g::a_log>()) {
        if (a.log)
          error(*c, "'log' appears twice in the action list");
        a.log = true;
      } else if (c->is_type<g::a_stop>() || c->is_type<g::a_freeze>()) {
        if (a.stop_container)
          error(*c, "an action list stops the container once; this is a second stop or freeze");
        a.stop_container = true;
        a.stop_mode = c->is_type<g::a_freeze>() ? table::StopMode::Freeze : table::StopMode::Kill;
        a.stop_span = span(*c);
        if (!c->children.empty())
          a.stop_after = duration(*c->children.front());
      } else if (c->is_type<g::a_delay>()) {
        if (a.response)
          error(*c, "an action list holds one response; this is a second one");
        size_t at = 0;
        if (c->children.at(0)->is_type<g::until_age>()) {
          a.delay_from = table::DelayFrom::CallerStart;
          ++at;
        }
        a.delay = duration(*c->children.at(at));
        a.response = response(*c->children.at(at + 1));
      } else {
        if (a.response)
          error(*c, "an action list holds one response; this is a second one");
        a.response = response(*c);
      }
    }
    return a;
  }

 private:
  static Span span(const Node& n) {
    return Span{static_cast<uint32_t>(n.begin().byte),
                static_cast<uint32_t>(n.end().byte - n.begin().byte)};
  }
  static void extend(Span& s, const Span& more) {
    if (s.length == 0) {
      s = more;
      return;
    }
    s.length = more.offset + more.length - s.offset;
  }
  static Name name(const Node& n) { return Name{n.string(), span(n)}; }

  void error(const Node& n, std::string message, std::string hint = {}) {
    errors.push_back(SyntaxError{std::string(diag::code::kDslSyntax), std::move(message), span(n),
                                 std::move(hint)});
  }

  ConditionPtr condition(const Node& n, bool top_level, std::vector<Requirement>* reqs) {
    if (n.is_type<g::or_expr>())
      return junction(n, Condition::Kind::Or, top_level, reqs);
    if (n.is_type<g::and_expr>())
      return junction(n, Condition::Kind::And, top_level, reqs);
    auto c = std::make_unique<Condition>();
    c->span = span(n);
    if (n.is_type<g::not_expr>()) {
      c->kind = Condition::Kind::Not;
      c->children.push_back(condition(*n.children.at(0), false, nullptr));
    } else if (n.is_type<g::has_cap>()) {
      c->kind = Condition::Kind::HasCap;
      c->capability = name(*n.children.at(0));
      c->in_userns = n.children.size() > 1;
    } else if (n.is_type<g::in_userns>()) {
      c->kind = Condition::Kind::InUserns;
    } else if (n.is_type<g::is_init>()) {
      c->kind = Condition::Kind::IsInit;
    } else if (n.is_type<g::requirement>()) {
      return requirement(n, top_level, reqs);
    } else if (n.is_type<g::comparison>()) {
      comparison(n, *c);
    }
    return c;
  }

  // A requirement is hoisted out of the condition: it is a guard on the
  // whole rule, so it only makes sense joined to the rest by `and`.
  ConditionPtr requirement(const Node& n, bool top_level, std::vector<Requirement>* reqs) {
    if (!top_level || reqs == nullptr) {
      error(n, "'requires' cannot appear inside 'not', 'or' or parentheses",
            "a requirement guards the whole rule; write it at the top level");
      return nullptr;
    }
    reqs->push_back(Requirement{name(*n.children.at(0)), n.children.size() > 1, span(n)});
    return nullptr;
  }

  ConditionPtr junction(const Node& n, Condition::Kind kind, bool top_level,
                        std::vector<Requirement>* reqs) {
    // Requirements stay top-level only through a plain conjunction.
    const bool keep_top = top_level && (kind == Condition::Kind::And || n.children.size() == 1);
    std::vector<ConditionPtr> kids;
    for (const auto& c : n.children) {
      if (auto k = condition(*c, keep_top, keep_top ? reqs : nullptr))
        kids.push_back(std::move(k));
    }
    if (kids.empty())
      return nullptr;
    if (kids.size() == 1)
      return std::move(kids.front());
    auto c = std::make_unique<Condition>();
    c->kind = kind;
    c->span = span(n);
    c->children = std::move(kids);
    return c;
  }

  Operand operand(const Node& n) {
    Operand o;
    o.span = span(n);
    if (n.is_type<g::f_pod_namespace>())
      o.field = table::Field::PodNamespace;
    else if (n.is_type<g::f_pod_name>())
      o.field = table::Field::PodName;
    else if (n.is_type<g::f_container_name>())
      o.field = table::Field::ContainerName;
    else if (n.is_type<g::f_container_id>())
      o.field = table::Field::ContainerId;
    else if (n.is_type<g::f_caller_uid>())
      o.field = table::Field::Uid;
    else if (n.is_type<g::f_caller_gid>())
      o.field = table::Field::Gid;
    else if (n.is_type<g::f_caller_pid>())
      o.field = table::Field::Pid;
    else if (n.is_type<g::f_annotation>()) {
      o.field = table::Field::Annotation;
      o.name = string_value(*n.children.at(0));
    } else if (n.is_type<g::f_meta>()) {
      o.field = table::Field::Meta;
      o.name = n.children.at(0)->string();
    } else if (n.is_type<g::f_metadata>()) {
      o.field = table::Field::Metadata;
    } else {
      o.field = table::Field::Arg;
      o.name = n.string();
    }
    return o;
  }

  void comparison(const Node& n, Condition& c) {
    c.kind = Condition::Kind::Compare;
    c.lhs = operand(*n.children.at(0));
    if (n.children.size() == 1) {
      c.op = table::Op::Present;
      return;
    }
    const Node& t = *n.children.at(1);
    if (t.is_type<g::compare_test>()) {
      c.op = compare_op(*t.children.at(0));
      c.values.push_back(value_union(*t.children.at(1)));
    } else if (t.is_type<g::mask_test>()) {
      c.op = table::Op::MaskAny;
      c.mask = value_union(*t.children.at(0));
      if (t.children.size() > 1) {
        const Node& cmp = *t.children.at(1);
        c.op = cmp.children.at(0)->is_type<g::op_ne>() ? table::Op::MaskNe : table::Op::MaskEq;
        c.values.push_back(value_union(*cmp.children.at(1)));
      }
    } else if (t.is_type<g::in_test>()) {
      size_t i = 0;
      c.op = table::Op::In;
      if (t.children.at(0)->is_type<g::negated>()) {
        c.op = table::Op::NotIn;
        ++i;
      }
      const Node& src = *t.children.at(i);
      if (src.is_type<g::list_lit>()) {
        for (const auto& v : src.children)
          c.values.push_back(value_union(*v));
      } else {
        c.list_ref = operand(src);
      }
    } else if (t.is_type<g::glob_test>() || t.is_type<g::prefix_test>()) {
      c.op = t.is_type<g::glob_test>() ? table::Op::Glob : table::Op::Prefix;
      const Value v = value(*t.children.at(0));
      c.values.push_back(ValueUnion{{v}, v.span});
    }
  }

  static table::Op compare_op(const Node& n) {
    if (n.is_type<g::op_ne>())
      return table::Op::Ne;
    if (n.is_type<g::op_le>())
      return table::Op::Le;
    if (n.is_type<g::op_ge>())
      return table::Op::Ge;
    if (n.is_type<g::op_lt>())
      return table::Op::Lt;
    if (n.is_type<g::op_gt>())
      return table::Op::Gt;
    return table::Op::Eq;
  }

  ValueUnion value_union(const Node& n) {
    ValueUnion u;
    u.span = span(n);
    for (const auto& c : n.children)
      u.parts.push_back(value(*c));
    return u;
  }

  Value value(const Node& n) {
    Value v;
    v.span = span(n);
    if (n.is_type<g::string_lit>()) {
      v.kind = Value::Kind::String;
      v.text = string_value(n);
    } else if (n.is_type<g::integer>()) {
      v.kind = Value::Kind::Integer;
      v.text = n.string();
      integer(n, v);
    } else {
      v.kind = Value::Kind::Word;
      v.text = n.string();
    }
    return v;
  }

  // C conventions: 0x hex, 0o or a leading 0 octal (0755), else decimal.
  void integer(const Node& n, Value& v) {
    std::string_view s = n.string_view();
    if (!s.empty() && s.front() == '-') {
      v.negative = true;
      s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      s.remove_prefix(2);
    } else if (s.size() > 1 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;
      s.remove_prefix(1);
    }
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v.integer, base);
    if (res.ec == std::errc::result_out_of_range) {
      error(n, fmt::format("integer {} does not fit in 64 bits", n.string()));
    } else if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      error(n, fmt::format("{} is not a valid octal number", n.string()),
            "a leading 0 means octal, as in C; write the number without it");
    } else if (v.negative && v.integer > (uint64_t{1} << 63)) {
      error(n, fmt::format("integer {} does not fit in 64 bits", n.string()));
    }
  }

  static std::string string_value(const Node& n) {
    const std::string_view raw = n.string_view().substr(1, n.string_view().size() - 2);
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 1 == raw.size()) {
        out.push_back(raw[i]);
        continue;
      }
      const char e = raw[++i];
      if (e == 'n')
        out.push_back('\n');
      else if (e == 't')
        out.push_back('\t');
      else if (e == '{' || e == '}') {
        // Kept escaped: the template expander treats "\{" as a literal brace.
        out.push_back('\\');
        out.push_back(e);
      } else
        out.push_back(e);
    }
    return out;
  }

  Duration duration(const Node& n) {
    Duration d;
    d.span = span(n);
    if (n.is_type<g::string_lit>()) {
      d.template_text = string_value(n);
      return d;
    }
    const std::string_view s = n.string_view();
    size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9')
      ++digits;
    uint64_t amount = 0;
    const auto res = std::from_chars(s.data(), s.data() + digits, amount);
    const std::string_view unit = s.substr(digits);
    const uint64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 3600000;
    constexpr uint64_t kMaxMillis = uint64_t{24} * 3600 * 1000;
    if (res.ec != std::errc() || amount > kMaxMillis / scale) {
      error(n, fmt::format("duration {} is longer than a day", s));
      return d;
    }
    d.millis = amount * scale;
    return d;
  }

  Response response(const Node& n) {
    Response r;
    r.span = span(n);
    if (n.is_type<g::r_continue>()) {
      r.kind = table::Response::Continue;
      r.unsafe = !n.children.empty();
    } else if (n.is_type<g::r_errno>()) {
      r.kind = table::Response::Errno;
      const Node& v = *n.children.at(0);
      r.operand = v.children.empty() ? Value{Value::Kind::Word, v.string(), 0, false, span(v)}
                                     : value(*v.children.at(0));
    } else if (n.is_type<g::r_return>()) {
      r.kind = table::Response::Return;
      r.operand = value(*n.children.at(0));
    } else if (n.is_type<g::r_kill>()) {
      r.kind = table::Response::Kill;
    } else if (n.is_type<g::r_emulate>()) {
      r.kind = table::Response::Emulate;
      for (const auto& c : n.children) {
        if (c->is_type<g::emulate_op>()) {
          r.emulate_op = name(*c);
        } else if (c->is_type<g::emulate_as>()) {
          r.credentials = model::Credentials::Agent;
          r.as_span = span(*c);
        } else {
          r.params.push_back(EmulateParam{name(*c->children.at(0)), value(*c->children.at(1))});
        }
      }
    }
    return r;
  }
};

template <typename Grammar>
std::unique_ptr<Node> parse_tree(std::string_view text, std::vector<SyntaxError>& errors) {
  if (text.size() > kMaxRuleBytes) {
    errors.push_back(SyntaxError{
        std::string(diag::code::kDslTooLong),
        fmt::format("rule text is {} bytes; the limit is {}", text.size(), kMaxRuleBytes),
        Span{0, 1}, "split it into several rules"});
    return nullptr;
  }
  // The tree's nodes keep a view of the input's source name: a name of
  // static storage (not memory_input's default std::string, which dies with
  // `in`) keeps node.begin()/end() valid after this function returns.
  p::memory_input<p::tracking_mode::eager, p::eol::lf_crlf, const char*> in(text.data(),
                                                                            text.size(), "rule");
  try {
    auto root = p::parse_tree::parse<Grammar, selector, depth_action, control>(in);
    if (!root) {
      errors.push_back(
          SyntaxError{std::string(diag::code::kDslSyntax), "expected a rule", Span{0, 1}, {}});
    }
    return root;
  } catch (const p::parse_error& e) {
    const auto& pos = e.positions().front();
    const bool too_deep = e.message() == kTooDeep;
    errors.push_back(SyntaxError{
        std::string(too_deep ? diag::code::kDslTooDeep : diag::code::kDslSyntax),
        std::string(e.message()), Span{static_cast<uint32_t>(pos.byte), 1},
        too_deep ? fmt::format("at most {} levels of parentheses are accepted", kMaxGroupDepth)
                 : std::string()});
    return nullptr;
  }
}

}  // namespace

Parsed<Rule> parse_rule(std::string_view text) {
  Parsed<Rule> out;
  auto root = parse_tree<g::rule>(text, out.errors);
  if (!root)
    return out;
  Builder b;
  out.value = b.rule(*root);
  out.errors = std::move(b.errors);
  return out;
}

Parsed<Action> parse_actions(std::string_view text) {
  Parsed<Action> out;
  auto root = parse_tree<g::actions_only>(text, out.errors);
  if (!root)
    return out;
  Builder b;
  for (const auto& c : root->children) {
    if (c->is_type<g::actions>())
      out.value = b.action(*c);
  }
  out.errors = std::move(b.errors);
  return out;
}

}  // namespace sa::dsl
