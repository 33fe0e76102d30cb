// Which BPF objects exist and who holds them, for leak tests on a machine where other
// people load BPF too: objects are told apart by the processes that hold them (their
// /proc/PID/fdinfo), never by guessing from names alone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace sonde::e2e {

struct BpfIds {
  std::set<uint32_t> programs, maps, links;
  bool empty() const { return programs.empty() && maps.empty() && links.empty(); }
  size_t size() const { return programs.size() + maps.size() + links.size(); }
  std::string to_string() const;  // "programs [12 13] maps [4] links []"
};

// What process `pid` holds file descriptors to.
BpfIds bpf_objects_of(pid_t pid);
// Which of `ids` still exist in the kernel.
BpfIds still_in_kernel(const BpfIds& ids);
// Waits (up to `timeout`) for the kernel to free `ids` (it frees them asynchronously
// after the last descriptor closes); returns those still there.
BpfIds wait_until_freed(const BpfIds& ids,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The highest ids in use now: objects created later have higher ones (ids are never
// reused soon).
BpfIds highest_ids();
// Objects named sonde* (maps, programs, links of such programs) newer than `since`
// that no live process holds, directly or through a program or link it holds: what a
// sonde process would have left in the kernel. Objects of a process that is exiting
// are freed within moments, so this waits up to `timeout` for them to go.
BpfIds orphaned_sonde_objects(const BpfIds& since,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

// kernel.bpf_stats_enabled, and whether any live process holds a BPF_ENABLE_STATS
// descriptor (which keeps it on while it lives).
struct BpfStatsState {
  int sysctl = -1;
  std::set<pid_t> holders;
};
BpfStatsState bpf_stats_state();

// How process `pid` is attached, as its /proc/PID/fd and fdinfo tell: its BPF links by
// type ("raw_tracepoint", "perf", ...) and its perf event descriptors (a classic
// tracepoint each).
struct Attachments {
  std::map<std::string, int> links;
  int perf_events = 0;
};
Attachments attachments_of(pid_t pid);

}  // namespace sonde::e2e
