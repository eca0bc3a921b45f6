// The normalised text form of table entries, in the rule language's own
// syntax: used by `rulec --explain`, by the simulator's diffs and by logs.
#pragma once

#include <string>

#include "model/table/table.hpp"

namespace sa::table {

std::string render_duration(const Duration& d);        // 2s, 500ms, "{meta.X}"
std::string render_action(const Action& a);            // log, errno EBADMSG
std::string render_predicate(const Predicate& p);      // flags & 0x1000
std::string render_requirement(const Requirement& r);  // requires CAP_SYS_ADMIN in userns
std::string quote(std::string_view s);                 // "..." with \" \\ \n \t escaped

}  // namespace sa::table
