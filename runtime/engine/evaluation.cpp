#include "engine/evaluation.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <memory>
#include <new>

#include "model/catalog/constants.hpp"

namespace sa::engine::detail {

uint64_t Evaluation::integer(int index, catalog::ArgType type) const {
  const uint64_t raw = n_.args[index];
  if (catalog::is_signed(type)) {
    return static_cast<uint64_t>(catalog::normalize_signed(raw, type, word_bits_));
  }
  return catalog::normalize_unsigned(raw, type, word_bits_);
}

Evaluation::~Evaluation() {
  for (size_t i = 0; i < strings_.size(); ++i) {
    if ((read_ >> i) & 1U)
      std::destroy_at(&strings_[i].value);
  }
}

const model::StringRead* Evaluation::string(int index) {
  const auto i = static_cast<size_t>(index);
  model::StringRead& slot = strings_[i].value;
  if (((read_ >> i) & 1U) == 0) {
    new (&slot) model::StringRead(facts_.read_string(index));
    read_ = static_cast<uint8_t>(read_ | (1U << i));
    if (slot.status == model::StringRead::Status::Null)
      slot.value.clear();
    else
      read_memory_ = true;
    if (slot.status == model::StringRead::Status::Failed) {
      const std::string name = catalog::errno_name(slot.error);
      warn(fmt::format("argument {} could not be read ({})", index,
                       name.empty() ? fmt::format("errno {}", slot.error) : name));
    }
  }
  if (slot.status == model::StringRead::Status::Failed) {
    if (failure_ == Failure::None) {
      failure_ = Failure::ReadFailed;
      read_error_ = slot.error != 0 ? slot.error : EFAULT;
    }
    return nullptr;
  }
  return &slot;
}

const model::CallerFacts* Evaluation::caller() {
  if (!caller_asked_) {
    caller_asked_ = true;
    caller_ = facts_.caller();
    if (!caller_)
      warn("the caller's credentials are not visible");
  }
  if (!caller_) {
    if (failure_ == Failure::None)
      failure_ = Failure::FactsUnavailable;
    return nullptr;
  }
  return &*caller_;
}

std::string Evaluation::meta(const std::string& key) {
  auto it = container_.meta.find(key);
  if (it == container_.meta.end())
    return {};
  // Most values hold no Go template; only build the context when one does.
  if (it->second.find("{{") == std::string::npos)
    return it->second;
  const table::GoTemplateContext ctx{container_.pod_namespace, container_.pod_name,
                                     container_.container_name, static_cast<long>(n_.pid),
                                     container_.pid};
  std::string error;
  std::string out = table::expand_go_template(it->second, ctx, &error);
  if (!error.empty())
    warn(fmt::format("meta.{}: {}", key, error));
  return out;
}

std::string Evaluation::annotation(const std::string& key) const {
  auto it = container_.annotations.find(key);
  return it == container_.annotations.end() ? std::string() : it->second;
}

std::string Evaluation::context_field(const table::FieldRef& f) {
  using table::Field;
  switch (f.field) {
    case Field::PodNamespace:
      return container_.pod_namespace;
    case Field::PodName:
      return container_.pod_name;
    case Field::ContainerName:
      return container_.container_name;
    case Field::ContainerId:
      return container_.id;
    case Field::Annotation:
      return annotation(f.key);
    case Field::Meta:
      return meta(f.key);
    case Field::Metadata:
      return container_.metadata_raw;
    case Field::Arg:
    case Field::Uid:
    case Field::Gid:
    case Field::Pid:
      break;  // not strings of the container
  }
  return {};
}

std::string Evaluation::segment(const table::Segment& s) {
  using K = table::Segment::Kind;
  switch (s.kind) {
    case K::Literal:
      return s.text;
    case K::Pid:
      return std::to_string(n_.pid);
    case K::ContainerPid:
      return std::to_string(container_.pid);
    case K::ContainerId:
      return container_.id;
    case K::ContainerName:
      return container_.container_name;
    case K::PodNamespace:
      return container_.pod_namespace;
    case K::PodName:
      return container_.pod_name;
    case K::Meta:
      return meta(s.text);
    case K::Metadata:
      return container_.metadata_raw;
    case K::Annotation:
      return annotation(s.text);
    case K::Arg:
      break;
  }
  if (catalog::is_string(s.type)) {
    const model::StringRead* r = string(s.arg);
    return r == nullptr ? std::string() : r->value;
  }
  const uint64_t v = integer(s.arg, s.type);
  return catalog::is_signed(s.type) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
}

std::optional<std::string> Evaluation::expand(const table::Template& t) {
  return table::expand(t, [this](const table::Segment& s) -> std::optional<std::string> {
    std::string value = segment(s);
    if (failure_ != Failure::None)
      return std::nullopt;
    return value;
  });
}

}  // namespace sa::engine::detail
