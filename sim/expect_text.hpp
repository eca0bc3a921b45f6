// A trace's `expect` (an action in the rule language, e.g. `errno EBADMSG`,
// `emulate mkdir path="/abc-pid-42"`, `log, errno ENOSYS, stop container
// after 5s`) parsed and resolved by the rule compiler's own stages, so that
// it means exactly what it would in a rule file.
#pragma once

#include <optional>
#include <string>

#include "model/table/table.hpp"

namespace sa::sim {

// nullopt with `error` set ("column 7: unknown errno 'EBADMGS' (did you mean
// 'EBADMSG'?)") when the text is not a valid action for `syscall`.
std::optional<table::Action> parse_expect(const std::string& text, const std::string& syscall,
                                          std::string* error);

}  // namespace sa::sim
