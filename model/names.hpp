// One name for each value of a closed vocabulary, and the way back: the
// table's JSON, the trace format, --explain and the logs all speak through
// it, as runc's seccomp config keeps one name<->enum map per vocabulary.
//
// A vocabulary is declared next to its enum:
//
//   template <> struct Vocabulary<Op> {
//     static constexpr std::array<NameEntry<Op>, 3> names{{{Op::Eq, "eq"}, ...}};
//   };
//
// The entries must list the enum's values in declaration order, from 0 with
// no gap; the first use of name_of() checks that at compile time, and
// `count` (the number of enumerators) makes a forgotten last value a
// compile error too.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace sa {

template <typename E>
struct NameEntry {
  E value;
  std::string_view name;
};

template <typename E>
struct Vocabulary;  // specialised next to each enum

namespace detail {
template <typename E>
consteval bool is_dense() {
  const auto& names = Vocabulary<E>::names;
  if (names.size() != Vocabulary<E>::count)
    return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (static_cast<std::size_t>(names[i].value) != i || names[i].name.empty())
      return false;
  }
  return true;
}
}  // namespace detail

template <typename E>
constexpr std::string_view name_of(E value) {
  static_assert(detail::is_dense<E>(),
                "a vocabulary lists every value of its enum, in order, each with a name");
  const auto i = static_cast<std::size_t>(value);
  // Only a value cast from outside the enum's range lands here.
  return i < Vocabulary<E>::names.size() ? Vocabulary<E>::names[i].name : std::string_view("?");
}

template <typename E>
constexpr std::optional<E> value_of(std::string_view name) {
  static_assert(detail::is_dense<E>(),
                "a vocabulary lists every value of its enum, in order, each with a name");
  for (const NameEntry<E>& e : Vocabulary<E>::names) {
    if (e.name == name)
      return e.value;
  }
  return std::nullopt;
}

}  // namespace sa
