// Registration latency (issue 13): how long a container waits for the agent
// to take it on, from the runtime's connect to the answer of the
// container's first notified call, with the runtime socket idle and with
// 500 slow clients holding it. Method in bench/README.md, "Registration".
#pragma once

#include <filesystem>
#include <string>

namespace sa::bench {

// Prints both variants, their ratio against the goal (1.5x), and how many
// registrations were lost (a target whose call was never answered).
void run_registration_group(const std::string& agent_binary, const std::filesystem::path& table,
                            const std::filesystem::path& dir, int slow_clients);

}  // namespace sa::bench
