// Whether this process may load and attach sonde's BPF programs, and what to say
// when the kernel refuses with EPERM: which capabilities are missing (read with
// capget), or, when none is, what else forbids BPF here.
#pragma once

#include <string_view>

#include "support/result.h"

namespace sonde::bpf {

// Checked before anything reaches the kernel: an error naming the missing
// capabilities, so that nothing half-loads and no libbpf warning says it first.
Status check_privileges();

// The error for an EPERM/EACCES from bpf() or perf_event_open(): `what` is what was
// not permitted ("load BPF programs").
Error permission_error(std::string_view what);

}  // namespace sonde::bpf
