// Probe specifications ("tracepoint:timer:timer_start", "uprobe:/bin/bash:readline",
// "profile:hz:99", ...) resolved against the running kernel.
#pragma once

#include <span>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/kernel_info.h"

namespace sonde::sema {

// Wildcards expand to at most this many probes.
inline constexpr size_t kMaxWildcardProbes = 512;

// Resolves a probe written by the user (not an event name). Wildcards expand to
// several probes. Returns an empty vector after reporting an error.
std::vector<ResolvedProbe> resolve_probe(const ast::ProbeRef& ref, KernelInfo& kernel,
                                         ast::Diagnostics& diags);

// The probe text with its kind spelled in full ("t:timer:x" -> "tracepoint:timer:x").
std::string canonical_probe_text(const std::string& text);

// The absolute path of a uprobe's or USDT probe's binary: a bare name is looked up as a
// shell finds a command, or, for a library ("libc.so.6"), in the dynamic linker's
// directories (returned unchanged when not found there).
std::string find_user_binary(const std::string& path);

// Perf events by name ("software:page-faults", "hardware:cycles").
struct PerfEventName {
  const char* name;
  const char* alias;  // or nullptr
  uint64_t config;
  uint64_t default_period;
};
std::span<const PerfEventName> software_events();
std::span<const PerfEventName> hardware_events();

// Names of the probe kinds, for completion and messages.
const std::vector<std::string>& probe_kinds();

}  // namespace sonde::sema
