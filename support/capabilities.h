// Linux capabilities of this process, read and dropped with capget/capset/prctl
// directly (no libcap): which ones sonde lacks to load BPF, and giving up the rest
// once probes are attached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::caps {

// Numbers from linux/capability.h (stable kernel ABI). CAP_PERFMON and CAP_BPF exist
// since Linux 5.8; before that CAP_SYS_ADMIN covers both.
enum Capability : int {
  kDacReadSearch = 2,
  kNetBindService = 10,
  kSetPcap = 8,
  kSysPtrace = 19,
  kSysAdmin = 21,
  kSyslog = 34,
  kPerfmon = 38,
  kBpf = 39,
};

std::string name(int cap);  // "CAP_BPF"; "capability 45" for numbers it does not know

struct Sets {
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  bool has(int cap) const { return cap >= 0 && cap < 64 && (effective >> cap & 1) != 0; }
};

// The calling thread's capabilities.
Result<Sets> current();

// What loading and attaching tracing BPF programs needs and `sets` lacks, as the
// kernel decides it: CAP_BPF (bpf()) and CAP_PERFMON (tracing program types, perf
// events), each of which CAP_SYS_ADMIN also grants. Empty when nothing is missing.
std::vector<int> missing_for_tracing(const Sets& sets);

// "CAP_BPF and CAP_PERFMON"
std::string names(const std::vector<int>& caps);

// Gives up every capability but `keep`, for good: the bounding and ambient sets too, so
// that no exec can bring them back, and no_new_privs. Capabilities are per thread: call
// it while the process has one thread (an error says so otherwise).
Status drop_all_except(const std::vector<int>& keep);

}  // namespace sonde::caps
