// The cgroup array behind in_cgroup(): filled between load and attach, from the
// directories of this machine's cgroup2 hierarchy (spec::Program::cgroup_paths).
#pragma once

#include <string>
#include <vector>

#include "runtime/bpf/object.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

// One error per path that cannot be put in the map (no such cgroup here, no cgroup2
// mount); each leaves its slot empty, so in_cgroup() on it is false. A failure of the
// map itself is the returned error.
Result<std::vector<Error>> fill_cgroup_array(const bpf::Object& object,
                                             const spec::Program& program,
                                             const std::string& cgroup2_mount);

}  // namespace sonde::session
