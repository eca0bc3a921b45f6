// The state of one evaluation: the notification, its container, and the facts
// learned so far. Strings and caller credentials are asked of the FactSource
// lazily and at most once; the first failure (an unreadable string, invisible
// credentials) is remembered and ends the evaluation. Internal to the engine.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fact_source.hpp"
#include "model/call/container_info.hpp"
#include "model/call/notification.hpp"
#include "model/table/table.hpp"
#include "model/table/template.hpp"

namespace sa::engine::detail {

enum class Failure { None, ReadFailed, FactsUnavailable };

class Evaluation {
 public:
  Evaluation(const model::ContainerInfo& container, const model::Notification& n, FactSource& facts,
             unsigned word_bits)
      : container_(container), n_(n), facts_(facts), word_bits_(word_bits) {}
  ~Evaluation();
  Evaluation(const Evaluation&) = delete;
  Evaluation& operator=(const Evaluation&) = delete;

  const model::Notification& notification() const { return n_; }
  const model::ContainerInfo& container() const { return container_; }

  // A register read as the kernel reads a parameter of `type`: the normalised
  // pattern, sign-extended for signed types.
  uint64_t integer(int index, catalog::ArgType type) const;
  // nullptr after a failed read (failure() says so).
  const model::StringRead* string(int index);
  // nullptr when the caller is not visible (failure() says so).
  const model::CallerFacts* caller();

  // A meta value with Kinvolk's Go-template forms expanded; "" when absent.
  std::string meta(const std::string& key);
  std::string annotation(const std::string& key) const;
  // Any non-argument string field (pod.name, meta.KEY, ...).
  std::string context_field(const table::FieldRef& f);
  // nullopt when a placeholder needed a string that could not be read.
  std::optional<std::string> expand(const table::Template& t);

  Failure failure() const { return failure_; }
  // ReadFailed: the errno of the first failed read (EFAULT for a bad
  // pointer, ENAMETOOLONG for a path without a NUL within PATH_MAX), what
  // the kernel itself would answer.
  int read_error() const { return read_error_; }
  bool read_memory() const { return read_memory_; }
  void warn(std::string message) { warnings_.push_back(std::move(message)); }
  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  std::string segment(const table::Segment& s);

  const model::ContainerInfo& container_;
  const model::Notification& n_;
  FactSource& facts_;
  unsigned word_bits_;
  // Strings read so far: slot i is constructed when argument i is first
  // read (bit i of read_). Nothing is initialised up front, which keeps
  // integer-only evaluations from clearing a few hundred bytes each time.
  union StringSlot {
    StringSlot() {}
    ~StringSlot() {}
    model::StringRead value;
  };
  std::array<StringSlot, 6> strings_;
  uint8_t read_ = 0;
  bool caller_asked_ = false;
  std::optional<model::CallerFacts> caller_;
  Failure failure_ = Failure::None;
  int read_error_ = 0;
  bool read_memory_ = false;
  std::vector<std::string> warnings_;
};

}  // namespace sa::engine::detail
