#include "diff.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <map>

#include "expectation.hpp"
#include "model/codec/trace_json.hpp"
#include "replay.hpp"
#include "trace_facts.hpp"

namespace sa::sim {
namespace {

// Decides one notification under one table, remembering policies by container.
class Side {
 public:
  explicit Side(const engine::Engine& e) : engine_(e) {}

  void forget(const std::string& container_id) { policies_.erase(container_id); }

  engine::Decision decide(const model::ContainerInfo& c, const trace::NotificationRecord& n) {
    auto it = policies_.find(c.id);
    if (it == policies_.end())
      it = policies_.emplace(c.id, engine_.select_policy(c, nullptr)).first;
    TraceFacts facts(n);
    return engine_.evaluate(it->second, c, n.call, facts);
  }

 private:
  const engine::Engine& engine_;
  std::map<std::string, const table::Policy*> policies_;
};

void report(std::ostream& out, const trace::NotificationRecord& n, const engine::Decision& a,
            const engine::Decision& b, const std::vector<std::string>& diffs) {
  fmt::print(out, "seq {}{} {} pid {}{}\n", n.seq,
             n.line == 0 ? "" : fmt::format(" (line {})", n.line), n.syscall, n.call.pid,
             n.container.empty() ? "" : " container " + n.container);
  fmt::print(out, "  A: {}\n  B: {}\n", a.summary(), b.summary());
  for (const std::string& d : diffs)
    fmt::print(out, "    - {}\n", d);
}

}  // namespace

DiffCounts diff_tables(trace::TraceReader& reader, const engine::Engine& a, const engine::Engine& b,
                       std::ostream& out) {
  static const model::ContainerInfo kNoContainer;
  DiffCounts counts;
  Side left(a);
  Side right(b);
  trace::TraceItem item;
  while (reader.next(item)) {
    if (item.kind == trace::TraceItem::Kind::Container) {
      left.forget(item.container->id);
      right.forget(item.container->id);
      continue;
    }
    const trace::NotificationRecord& n = item.notification;
    const model::ContainerInfo& c = item.container == nullptr ? kNoContainer : *item.container;
    ++counts.notifications;
    try {
      const engine::Decision da = left.decide(c, n);
      const engine::Decision db = right.decide(c, n);
      // Rule ids are not compared: renumbering rules changes no behaviour.
      Expectation as_a = from_recorded(da.record());
      as_a.rule.clear();
      const auto diffs = differences(as_a, db, word_bits_of(n.call.audit_arch));
      if (diffs.empty())
        continue;
      ++counts.changed;
      report(out, n, da, db, diffs);
    } catch (const MissingFact& e) {
      ++counts.errors;
      fmt::print(out, "seq {} (line {}) {}: ERROR {}\n", n.seq, n.line, n.syscall, e.what());
    }
  }
  fmt::print(out, "{} of {} notifications decided differently{}\n", counts.changed,
             counts.notifications,
             counts.errors == 0 ? "" : fmt::format(", {} could not be decided", counts.errors));
  return counts;
}

}  // namespace sa::sim
