#include "replay.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "expect_text.hpp"
#include "model/catalog/arch.hpp"
#include "model/codec/trace_json.hpp"
#include "trace_facts.hpp"

namespace sa::sim {
namespace {

constexpr size_t kMaxCachedExpects = 4096;

std::string where(const trace::NotificationRecord& n) {
  return n.line == 0 ? fmt::format("seq {}", n.seq)
                     : fmt::format("seq {} (line {})", n.seq, n.line);
}

std::string short_id(const std::string& id) {
  return id.size() > 12 ? id.substr(0, 12) : id;
}

// A replayed trace may hold caller strings that are not UTF-8 (a path is
// bytes); messages quoting them are printed with U+FFFD in their place.
std::string json_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

unsigned word_bits_of(uint32_t audit_arch) {
  const auto a = catalog::find_arch_by_audit(audit_arch);
  return a ? a->word_bits : 64;
}

Replayer::Replayer(const engine::Engine& engine, ReplayOptions options, std::ostream& out)
    : engine_(engine), options_(options), out_(out) {}

ReplayCounts Replayer::run(trace::TraceReader& reader) {
  if (options_.format == Format::Text) {
    fmt::print(out_, "{:>6}  {:<12}  {:>8}  {:<14}  {}\n", "SEQ", "CONTAINER", "PID", "SYSCALL",
               "DECISION");
  }
  trace::TraceItem item;
  while (reader.next(item)) {
    if (item.kind == trace::TraceItem::Kind::Container)
      container(*item.container);
    else
      notification(item);
  }
  finish();
  return counts_;
}

const table::Policy* Replayer::policy_for(const model::ContainerInfo& c) {
  auto it = policies_.find(c.id);
  if (it != policies_.end())
    return it->second;
  return policies_[c.id] = engine_.select_policy(c, nullptr);
}

void Replayer::container(const model::ContainerInfo& c) {
  std::string why;
  const table::Policy* p = engine_.select_policy(c, &why);
  policies_[c.id] = p;
  if (options_.format == Format::Text) {
    fmt::print(out_, "# container {}: {} ({})\n", c.id,
               p == nullptr ? "no policy" : "policy " + p->name, why);
  }
}

void Replayer::notification(const trace::TraceItem& item) {
  static const model::ContainerInfo kNoContainer;
  const trace::NotificationRecord& n = item.notification;
  const model::ContainerInfo& c = item.container == nullptr ? kNoContainer : *item.container;
  ++counts_.notifications;
  TraceFacts facts(n);
  engine::Decision d;
  try {
    d = engine_.evaluate(policy_for(c), c, n.call, facts);
  } catch (const MissingFact& e) {
    error(n, e.what());
    return;
  }
  tally_.add(d.syscall.empty() ? n.syscall : std::string(d.syscall), d.action_kind());
  const nlohmann::ordered_json mismatches =
      options_.check ? check(n, d) : nlohmann::ordered_json::array();
  print(n, d, mismatches);
}

void Replayer::print(const trace::NotificationRecord& n, const engine::Decision& d,
                     const nlohmann::ordered_json& mismatches) {
  if (options_.format == Format::Json) {
    nlohmann::ordered_json j = {{"seq", n.seq},
                                {"line", n.line},
                                {"container", n.container},
                                {"pid", n.call.pid},
                                {"syscall", n.syscall},
                                {"decision", trace::decision_to_json(d.record())}};
    if (!mismatches.empty())
      j["mismatches"] = mismatches;
    out_ << json_line(j) << '\n';
    return;
  }
  fmt::print(out_, "{:>6}  {:<12}  {:>8}  {:<14}  {}\n", n.seq, short_id(n.container), n.call.pid,
             n.syscall, d.summary());
  for (const auto& m : mismatches) {
    fmt::print(out_, "        MISMATCH with {}:\n", m["against"].get<std::string>());
    for (const auto& line : m["differences"])
      fmt::print(out_, "          - {}\n", line.get<std::string>());
  }
}

const Replayer::ParsedExpect& Replayer::parsed_expect(const std::string& text,
                                                      const std::string& syscall) {
  auto key = std::make_pair(text, syscall);
  if (auto it = expects_.find(key); it != expects_.end())
    return it->second;
  if (expects_.size() >= kMaxCachedExpects)
    expects_.clear();
  ParsedExpect p;
  const std::string source = fmt::format("expect \"{}\"", text);
  if (auto action = parse_expect(text, syscall, &p.error)) {
    p.expectation = from_action(*action, source, &p.error);
  }
  if (!p.expectation && p.error.rfind(source, 0) != 0)
    p.error = fmt::format("{}: {}", source, p.error);
  return expects_.emplace(std::move(key), std::move(p)).first->second;
}

nlohmann::ordered_json Replayer::check(const trace::NotificationRecord& n,
                                       const engine::Decision& d) {
  auto mismatches = nlohmann::ordered_json::array();
  if (n.decision)
    compare(from_recorded(*n.decision), n, d, mismatches);
  if (n.expect) {
    const ParsedExpect& p = parsed_expect(*n.expect, n.syscall);
    if (!p.expectation) {
      error(n, p.error);
      return mismatches;
    }
    compare(*p.expectation, n, d, mismatches);
  }
  return mismatches;
}

void Replayer::compare(const Expectation& e, const trace::NotificationRecord& n,
                       const engine::Decision& d, nlohmann::ordered_json& mismatches) {
  ++counts_.checked;
  const auto diffs = differences(e, d, word_bits_of(n.call.audit_arch));
  if (diffs.empty())
    return;
  ++counts_.mismatches;
  mismatches.push_back({{"against", e.source}, {"differences", diffs}});
}

void Replayer::error(const trace::NotificationRecord& n, const std::string& message) {
  ++counts_.errors;
  if (options_.format == Format::Json) {
    out_ << json_line(nlohmann::ordered_json{
                {"seq", n.seq}, {"line", n.line}, {"syscall", n.syscall}, {"error", message}})
         << '\n';
    return;
  }
  fmt::print(out_, "{:>6}  {:<12}  {:>8}  {:<14}  ERROR {}: {}\n", n.seq, short_id(n.container),
             n.call.pid, n.syscall, where(n), message);
}

void Replayer::finish() {
  if (options_.format == Format::Json) {
    out_ << nlohmann::ordered_json{{"summary",
                                    {{"notifications", counts_.notifications},
                                     {"errors", counts_.errors},
                                     {"checked", counts_.checked},
                                     {"mismatches", counts_.mismatches},
                                     {"decisions", tally_.to_json()}}}}
                .dump()
         << '\n';
    return;
  }
  fmt::print(out_, "\n{} notifications, {} errors", counts_.notifications, counts_.errors);
  if (options_.check)
    fmt::print(out_, ", {} checks, {} mismatches", counts_.checked, counts_.mismatches);
  fmt::print(out_, "\n\n");
  tally_.print(out_);
}

}  // namespace sa::sim
