#include "profile/with_base.hpp"

#include <set>

#include "passes/link.hpp"
#include "profile/base_answer.hpp"
#include "profile/base_denials.hpp"

namespace sa::profile {
namespace {

class BaseSteps {
 public:
  explicit BaseSteps(std::string path, const std::vector<catalog::Arch>& arches)
      : path_(std::move(path)), arches_(arches) {}

  // What the base denies; the policies intercept it by intent, so the
  // passthrough step does not warn (W0400) about it.
  std::optional<std::vector<std::string>> denials(diag::Sink& sink) {
    if (!read(sink))
      return std::nullopt;
    BaseDenials d = base_denials(*base_, arches_);
    report_partly_denied(*base_, d, sink);
    denied_.insert(d.denied.begin(), d.denied.end());
    return std::move(d.denied);
  }

  std::optional<passes::Passthrough> passthrough(const std::vector<table::Policy>& policies,
                                                 diag::Sink& sink) {
    if (!path_.empty() && !read(sink))
      return std::nullopt;
    return profile::passthrough(base_ ? &*base_ : nullptr, passes::intercepted(policies), sink,
                                denied_);
  }

  std::optional<BaseProfile> take() { return std::move(base_); }
  const std::set<std::string>& denied() const { return denied_; }

 private:
  bool read(diag::Sink& sink) {
    if (!read_) {
      read_ = true;
      base_ = load_base(path_, sink);
    }
    return base_.has_value();
  }

  std::string path_;
  const std::vector<catalog::Arch>& arches_;
  bool read_ = false;
  std::optional<BaseProfile> base_;
  std::set<std::string> denied_;
};

}  // namespace

std::optional<CompiledWithBase> compile_with_base(const std::vector<std::string>& files,
                                                  const std::vector<catalog::Arch>& arches,
                                                  const std::string& base_path, diag::Sink& sink) {
  BaseSteps steps(base_path, arches);
  passes::PassthroughStep through = [&](const std::vector<table::Policy>& policies, diag::Sink& s) {
    return steps.passthrough(policies, s);
  };
  passes::BaseDenialsStep denials;
  if (!base_path.empty())
    denials = [&](diag::Sink& s) { return steps.denials(s); };
  auto compiled = passes::Pipeline(arches, through, denials).run_files(files, sink);
  if (!compiled)
    return std::nullopt;
  return CompiledWithBase{std::move(*compiled), steps.take(), steps.denied()};
}

}  // namespace sa::profile
