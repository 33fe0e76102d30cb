// Which CPUs exist: per-CPU map values come one per possible CPU, per-CPU perf events
// are opened on every online CPU.
#pragma once

#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::bpf {

// "0-3,5,7-8" -> {0,1,2,3,5,7,8}; empty on malformed text.
std::vector<int> parse_cpu_list(std::string_view text);

// From /sys/devices/system/cpu/online.
Result<std::vector<int>> online_cpus();

// Values per key of a per-CPU map (libbpf_num_possible_cpus, cached).
Result<int> possible_cpus();

}  // namespace sonde::bpf
