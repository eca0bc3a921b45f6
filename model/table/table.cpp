#include "model/table/table.hpp"

namespace sa::table {

bool is_string_field(const FieldRef& f) {
  switch (f.field) {
    case Field::Arg:
      return catalog::is_string(f.type);
    case Field::Uid:
    case Field::Gid:
    case Field::Pid:
      return false;
    case Field::PodNamespace:
    case Field::PodName:
    case Field::ContainerName:
    case Field::ContainerId:
    case Field::Annotation:
    case Field::Meta:
    case Field::Metadata:
      return true;
  }
  return false;
}

std::string_view stop_words(StopMode m) {
  switch (m) {
    case StopMode::Kill:
      return "stop container";
    case StopMode::Freeze:
      return "freeze container";
  }
  return "stop container";
}

std::string_view delay_words(DelayFrom f) {
  switch (f) {
    case DelayFrom::Decision:
      return "delay";
    case DelayFrom::CallerStart:
      return "delay until age";
  }
  return "delay";
}

bool Selector::empty() const {
  return meta.empty() && annotations.empty() && pod_namespace.empty() && pod_name.empty() &&
         container_name.empty() && any.empty();
}

}  // namespace sa::table
