// The grammar of one rule, and nothing else. Tree building is in parser.cpp.
//
//   rule        = syscalls , [ clauses ] , arrow , actions ;
//   actions_only= actions ;                       (policy `default:`, test `expect:`)
//   syscalls    = "*" | ident , { "|" , ident } ;
//   arrow       = "->" | "→" ;
//   clauses     = or_expr ;
//   or_expr     = and_expr , { "or" , and_expr } ;
//   and_expr    = primary , { [ "and" | "," ] , primary } ;
//   primary     = "(" , or_expr , ")"
//               | "not" , primary
//               | "requires" , capability , [ "in" , "userns" ]
//               | "has" , capability , [ "in" , "userns" ]
//               | "in" , "userns"
//               | "caller" , "is" , "init"
//               | operand , [ test ] ;
//   operand     = "pod.namespace" | "pod.name" | "container.name" | "container.id"
//               | "annotation" , "[" , string , "]" | "meta." , key | "meta"
//               | "caller.uid" | "caller.gid" | "caller.pid" | ident ;
//   test        = cmp_op , value_union
//               | "&" , value_union , [ ( "==" | "=" | "!=" ) , value_union ]
//               | [ "not" ] , "in" , ( list | operand )
//               | "glob" , value | "prefix" , value ;
//   cmp_op      = "==" | "!=" | "<=" | ">=" | "=" | "<" | ">" ;
//   list        = "[" , [ value_union , { "," , value_union } ] , "]" ;
//   value_union = value , { "|" , value } ;
//   value       = string | integer | word ;
//   string      = '"' , { char | "\" , escape } , '"' ;
//   integer     = [ "-" ] , ( "0x" , hex , { hex } | "0o" , oct , { oct } | digit , { digit } ) ;
//   word        = wordchar , { wordchar } ;           (not containing "->")
//   actions     = action , { "," , action } ;
//   action      = "log" | ( "stop" | "freeze" ) , "container" , [ "after" , duration ]
//               | "delay" , [ "until" , "age" ] , duration , "then" , response | response ;
//   response    = "continue" , [ "unsafe" ] | "errno" , ( ident | integer )
//               | "return" , integer | "kill"
//               | "emulate" , [ ident ] , { ident , "=" , value } , [ "as" , "agent" ] ;
//   duration    = integer , ( "ms" | "s" | "m" | "h" ) | string ;
//
// Keywords are reserved and cannot name an argument. Parenthesised groups
// nest at most kMaxGroupDepth deep (see parser.cpp).
#pragma once

#include <tao/pegtl.hpp>

namespace sa::dsl::grammar {

namespace p = tao::pegtl;

// A `must` point. PEGTL's must_if raises for every rule that has an error
// message, so messages hang on these wrappers only, never on a rule that may
// also fail harmlessly elsewhere.
template <typename Rule>
struct expected : p::seq<Rule> {};

// ---- lexical ------------------------------------------------------------
struct ws : p::star<p::space> {};
struct identchar : p::sor<p::alnum, p::one<'_'>> {};
struct ident : p::seq<p::sor<p::alpha, p::one<'_'>>, p::star<identchar>> {};

template <typename Str>
struct kw : p::seq<Str, p::not_at<identchar>> {};
struct kw_and : kw<TAO_PEGTL_STRING("and")> {};
struct kw_or : kw<TAO_PEGTL_STRING("or")> {};
struct kw_not : kw<TAO_PEGTL_STRING("not")> {};
struct kw_in : kw<TAO_PEGTL_STRING("in")> {};
struct kw_has : kw<TAO_PEGTL_STRING("has")> {};
struct kw_requires : kw<TAO_PEGTL_STRING("requires")> {};
struct kw_userns : kw<TAO_PEGTL_STRING("userns")> {};
struct kw_glob : kw<TAO_PEGTL_STRING("glob")> {};
struct kw_prefix : kw<TAO_PEGTL_STRING("prefix")> {};
struct kw_log : kw<TAO_PEGTL_STRING("log")> {};
struct kw_stop : kw<TAO_PEGTL_STRING("stop")> {};
struct kw_container : kw<TAO_PEGTL_STRING("container")> {};
struct kw_after : kw<TAO_PEGTL_STRING("after")> {};
struct kw_freeze : kw<TAO_PEGTL_STRING("freeze")> {};
struct kw_delay : kw<TAO_PEGTL_STRING("delay")> {};
struct kw_until : kw<TAO_PEGTL_STRING("until")> {};
struct kw_age : kw<TAO_PEGTL_STRING("age")> {};
struct kw_caller : kw<TAO_PEGTL_STRING("caller")> {};
struct kw_is : kw<TAO_PEGTL_STRING("is")> {};
struct kw_init : kw<TAO_PEGTL_STRING("init")> {};
struct kw_then : kw<TAO_PEGTL_STRING("then")> {};
struct kw_continue : kw<TAO_PEGTL_STRING("continue")> {};
struct kw_unsafe : kw<TAO_PEGTL_STRING("unsafe")> {};
struct kw_errno : kw<TAO_PEGTL_STRING("errno")> {};
struct kw_return : kw<TAO_PEGTL_STRING("return")> {};
struct kw_kill : kw<TAO_PEGTL_STRING("kill")> {};
struct kw_emulate : kw<TAO_PEGTL_STRING("emulate")> {};
struct kw_as : kw<TAO_PEGTL_STRING("as")> {};
struct kw_agent : kw<TAO_PEGTL_STRING("agent")> {};

struct keyword : p::sor<kw_and, kw_or, kw_not, kw_in, kw_has, kw_requires, kw_glob, kw_prefix> {};

// ---- values -------------------------------------------------------------
struct escape_char : p::one<'"', '\\', 'n', 't', '{', '}'> {};
struct escaped : p::seq<p::one<'\\'>, p::must<expected<escape_char>>> {};
struct string_char : p::sor<escaped, p::seq<p::not_one<'"', '\\'>>> {};
struct string_body : p::star<string_char> {};
struct string_lit : p::seq<p::one<'"'>, string_body, p::must<expected<p::one<'"'>>>> {};

struct hex_int : p::seq<p::one<'0'>, p::one<'x', 'X'>, p::plus<p::xdigit>> {};
struct oct_int : p::seq<p::one<'0'>, p::one<'o', 'O'>, p::plus<p::range<'0', '7'>>> {};
struct dec_int : p::plus<p::digit> {};
struct wordchar : p::sor<p::alnum, p::one<'_', '.', '/', '*', '?', '+', '@', ':', '~', '%', '^'>,
                         p::seq<p::one<'-'>, p::not_at<p::one<'>'>>>> {};
struct integer
    : p::seq<p::opt<p::one<'-'>>, p::sor<hex_int, oct_int, dec_int>, p::not_at<wordchar>> {};
struct word : p::plus<wordchar> {};
// The trailing failure makes every alternative rewind, so an error points at
// the start of the value rather than into a half-read token.
struct value : p::sor<string_lit, integer, word, p::failure> {};
struct value_union : p::seq<value, p::star<ws, p::one<'|'>, ws, p::must<expected<value>>>> {};

// ---- operands -----------------------------------------------------------
struct meta_key : p::plus<p::sor<identchar, p::one<'.', '-'>>> {};
struct f_pod_namespace : kw<TAO_PEGTL_STRING("pod.namespace")> {};
struct f_pod_name : kw<TAO_PEGTL_STRING("pod.name")> {};
struct f_container_name : kw<TAO_PEGTL_STRING("container.name")> {};
struct f_container_id : kw<TAO_PEGTL_STRING("container.id")> {};
struct f_caller_uid : p::sor<kw<TAO_PEGTL_STRING("caller.uid")>, kw<TAO_PEGTL_STRING("uid")>> {};
struct f_caller_gid : p::sor<kw<TAO_PEGTL_STRING("caller.gid")>, kw<TAO_PEGTL_STRING("gid")>> {};
struct f_caller_pid : kw<TAO_PEGTL_STRING("caller.pid")> {};
struct f_annotation : p::seq<TAO_PEGTL_STRING("annotation"), ws, p::one<'['>, ws,
                             p::must<expected<string_lit>>, ws, p::must<expected<p::one<']'>>>> {};
struct f_meta : p::seq<TAO_PEGTL_STRING("meta."), p::must<expected<meta_key>>> {};
// After f_meta: `meta` alone is the whole listenerMetadata string.
struct f_metadata : kw<TAO_PEGTL_STRING("meta")> {};
struct f_arg : p::seq<p::not_at<keyword>, ident> {};
struct operand : p::sor<f_pod_namespace, f_pod_name, f_container_name, f_container_id, f_caller_uid,
                        f_caller_gid, f_caller_pid, f_annotation, f_meta, f_metadata, f_arg> {};

// ---- tests --------------------------------------------------------------
struct op_eq : p::sor<TAO_PEGTL_STRING("=="), p::seq<p::one<'='>, p::not_at<p::one<'='>>>> {};
struct op_ne : TAO_PEGTL_STRING("!=") {};
struct op_le : TAO_PEGTL_STRING("<=") {};
struct op_ge : TAO_PEGTL_STRING(">=") {};
struct op_lt : p::one<'<'> {};
struct op_gt : p::one<'>'> {};
struct cmp_op : p::sor<op_eq, op_ne, op_le, op_ge, op_lt, op_gt> {};
struct compare_test : p::seq<cmp_op, ws, p::must<expected<value_union>>> {};

struct mask_value : value_union {};
struct mask_cmp : p::seq<p::sor<op_eq, op_ne>, ws, p::must<expected<value_union>>> {};
struct mask_test : p::seq<p::one<'&'>, ws, p::must<expected<mask_value>>, p::opt<ws, mask_cmp>> {};

struct list_lit
    : p::seq<p::one<'['>, ws,
             p::opt<value_union, p::star<ws, p::one<','>, ws, p::must<expected<value_union>>>>, ws,
             p::must<expected<p::one<']'>>>> {};
struct list_source : p::sor<list_lit, operand> {};
struct negated : kw_not {};
struct in_test : p::seq<p::opt<negated, ws>, kw_in, ws, p::must<expected<list_source>>> {};
struct glob_test : p::seq<kw_glob, ws, p::must<expected<value>>> {};
struct prefix_test : p::seq<kw_prefix, ws, p::must<expected<value>>> {};
struct test : p::sor<compare_test, mask_test, in_test, glob_test, prefix_test> {};

// `in userns` would otherwise read as the start of an `in` test.
struct comparison : p::seq<operand, p::opt<ws, p::not_at<kw_in, ws, kw_userns>, test>> {};

// ---- conditions ---------------------------------------------------------
struct capability : ident {};
struct userns_suffix : p::seq<kw_in, ws, p::must<expected<kw_userns>>> {};
struct has_cap : p::seq<kw_has, ws, p::must<expected<capability>>, p::opt<ws, userns_suffix>> {};
struct requirement
    : p::seq<kw_requires, ws, p::must<expected<capability>>, p::opt<ws, userns_suffix>> {};
struct in_userns : p::seq<kw_in, ws, kw_userns> {};
// Before `comparison`, which would read `caller` as an argument name.
struct is_init : p::seq<kw_caller, ws, kw_is, ws, p::must<expected<kw_init>>> {};

struct or_expr;
struct primary;
struct close_paren : p::one<')'> {};
struct group
    : p::seq<p::one<'('>, ws, p::must<expected<or_expr>>, ws, p::must<expected<close_paren>>> {};
struct not_expr : p::seq<kw_not, ws, p::must<expected<primary>>> {};
struct primary : p::sor<group, not_expr, requirement, has_cap, in_userns, is_init, comparison> {};
struct and_explicit : p::seq<ws, p::sor<kw_and, p::one<','>>, ws, p::must<expected<primary>>> {};
struct and_implicit : p::seq<ws, primary> {};
struct and_expr : p::seq<primary, p::star<p::sor<and_explicit, and_implicit>>> {};
struct or_sep : p::seq<ws, kw_or, ws> {};
struct or_expr : p::seq<and_expr, p::star<or_sep, p::must<expected<and_expr>>>> {};

// ---- actions ------------------------------------------------------------
struct duration_unit : p::sor<TAO_PEGTL_STRING("ms"), p::one<'s', 'm', 'h'>> {};
struct duration_literal : p::seq<p::plus<p::digit>, duration_unit, p::not_at<identchar>> {};
struct duration : p::sor<duration_literal, string_lit> {};

struct errno_value : p::sor<integer, ident> {};
struct r_continue : p::seq<kw_continue, p::opt<ws, kw_unsafe>> {};
struct r_errno : p::seq<kw_errno, ws, p::must<expected<errno_value>>> {};
struct r_return : p::seq<kw_return, ws, p::must<expected<integer>>> {};
struct r_kill : kw_kill {};
struct emulate_op : p::seq<p::not_at<kw_as>, ident, p::not_at<ws, p::one<'='>>> {};
struct param_key : ident {};
struct emulate_param : p::seq<param_key, ws, p::one<'='>, ws, p::must<expected<value>>> {};
struct emulate_as : p::seq<kw_as, ws, p::must<expected<kw_agent>>> {};
struct r_emulate : p::seq<kw_emulate, p::opt<ws, emulate_op>, p::star<ws, emulate_param>,
                          p::opt<ws, emulate_as>> {};
struct response : p::sor<r_continue, r_errno, r_return, r_kill, r_emulate> {};

struct a_log : kw_log {};
struct a_stop : p::seq<kw_stop, ws, p::must<expected<kw_container>>,
                       p::opt<ws, kw_after, ws, p::must<expected<duration>>>> {};
// `until age`: counted from the caller's start, not from the decision.
struct until_age : p::seq<kw_until, ws, p::must<expected<kw_age>>> {};
struct a_delay : p::seq<kw_delay, ws, p::opt<until_age, ws>, p::must<expected<duration>>, ws,
                        p::must<expected<kw_then>>, ws, p::must<expected<response>>> {};
// `container` after `freeze`: a rule of its own for its own error message.
struct freeze_container : kw_container {};
struct a_freeze : p::seq<kw_freeze, ws, p::must<expected<freeze_container>>,
                         p::opt<ws, kw_after, ws, p::must<expected<duration>>>> {};
struct action_item : p::sor<a_log, a_stop, a_freeze, a_delay, response> {};
struct action_sep : p::seq<ws, p::one<','>, ws> {};
struct actions : p::seq<action_item, p::star<action_sep, p::must<expected<action_item>>>> {};

// ---- top level ----------------------------------------------------------
struct syscall_name : ident {};
struct any_syscall : p::one<'*'> {};
struct syscalls
    : p::sor<any_syscall,
             p::seq<syscall_name, p::star<ws, p::one<'|'>, ws, p::must<expected<syscall_name>>>>> {
};
struct arrow : p::sor<TAO_PEGTL_STRING("->"), TAO_PEGTL_STRING("\xE2\x86\x92")> {};
struct end_of_rule : p::eof {};
struct rule
    : p::seq<ws, p::must<expected<syscalls>>, ws, p::opt<or_expr>, ws, p::must<expected<arrow>>, ws,
             p::must<expected<actions>>, ws, p::must<expected<end_of_rule>>> {};
struct actions_only : p::seq<ws, p::must<expected<actions>>, ws, p::must<expected<end_of_rule>>> {};

}  // namespace sa::dsl::grammar
