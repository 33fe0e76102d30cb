// --drop-capabilities: once every probe is attached the agent only reads maps, serves
// HTTP and decodes labels. It gives up every capability but the few that decoding (or
// binding a low port, which happens later) still needs, and says which and why.
#pragma once

#include <string>
#include <vector>

#include "support/result.h"
#include "tools/sonde-agent/agent.h"

namespace sonde::agent {

struct KeptCapability {
  int capability = 0;
  std::string why;
};

// What these bundles' labels and the --listen address still need after attaching.
std::vector<KeptCapability> capabilities_to_keep(const std::vector<LoadedBundle>& bundles,
                                                 const std::string& listen);

// Drops the rest; returns the line the agent prints ("kept CAP_SYSLOG (...)").
Result<std::string> drop_capabilities(const std::vector<KeptCapability>& keep);

}  // namespace sonde::agent
