// seccomp-sim replay: every notification of a trace decided by the engine,
// exactly as the agent would; printed as a table or as JSON Lines, with an
// optional check against what the trace recorded or expects. Streams: memory
// stays flat however long the trace.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "engine/engine.hpp"
#include "expectation.hpp"
#include "model/codec/trace_reader.hpp"
#include "tally.hpp"

namespace sa::sim {

enum class Format { Text, Json };

struct ReplayOptions {
  Format format = Format::Text;
  bool check = false;  // compare with the recorded decision and `expect`
};

struct ReplayCounts {
  uint64_t notifications = 0;
  uint64_t errors = 0;      // notifications the trace does not let us decide
  uint64_t checked = 0;     // comparisons made
  uint64_t mismatches = 0;  // comparisons that failed
};

class Replayer {
 public:
  Replayer(const engine::Engine& engine, ReplayOptions options, std::ostream& out);

  // Throws trace::TraceError when the trace itself is malformed.
  ReplayCounts run(trace::TraceReader& reader);

 private:
  void container(const model::ContainerInfo& c);
  void notification(const trace::TraceItem& item);
  void print(const trace::NotificationRecord& n, const engine::Decision& d,
             const nlohmann::ordered_json& mismatches);
  nlohmann::ordered_json check(const trace::NotificationRecord& n, const engine::Decision& d);
  void compare(const Expectation& e, const trace::NotificationRecord& n, const engine::Decision& d,
               nlohmann::ordered_json& mismatches);
  void error(const trace::NotificationRecord& n, const std::string& message);
  const table::Policy* policy_for(const model::ContainerInfo& c);
  void finish();

  const engine::Engine& engine_;
  ReplayOptions options_;
  std::ostream& out_;
  ReplayCounts counts_;
  Tally tally_;
  std::map<std::string, const table::Policy*> policies_;  // by container id
  struct ParsedExpect {
    std::optional<Expectation> expectation;
    std::string error;
  };
  const ParsedExpect& parsed_expect(const std::string& text, const std::string& syscall);
  // Parsed `expect` texts by (text, syscall): traces repeat a few.
  std::map<std::pair<std::string, std::string>, ParsedExpect> expects_;
};

// The word size of an architecture, by its audit value (64 when unknown).
unsigned word_bits_of(uint32_t audit_arch);

}  // namespace sa::sim
