// std::visit over a closed variant with one lambda per alternative: a
// missing alternative is a compile error, as a switch without `default`.
#pragma once

namespace sa {

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace sa
