// Probe specifications ("tracepoint:timer:timer_start", "uprobe:/bin/bash:readline",
// "profile:hz:99", ...) resolved against the running kernel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/kernel_info.h"
#include "compiler/sema/probe_kinds.h"
#include "compiler/sema/verdict.h"

namespace sonde::sema {

// Wildcards expand to at most this many probes.
inline constexpr size_t kMaxWildcardProbes = 512;

using ResolvedProbes = Checked<std::vector<ResolvedProbe>>;

// Resolves a probe written by the user (not an event name). Wildcards expand to
// several probes, never to none: a pattern that matches nothing is rejected.
ResolvedProbes resolve_probe(const ast::ProbeRef& ref, KernelInfo& kernel, ast::Diagnostics& diags);

// A probe kind's section or target template (probe_kinds.h) filled in for `probe`.
std::string probe_text(const char* format, const ResolvedProbe& probe);

// What the `func` builtin names in `probe` (its kind's `func`), or nullopt when the probe
// has no name part.
std::optional<std::string> func_name(const ResolvedProbe& probe);

// The absolute path of a uprobe's or USDT probe's binary: a bare name is looked up as a
// shell finds a command, or, for a library ("libc.so.6"), in the dynamic linker's
// directories (returned unchanged when not found there).
std::string find_user_binary(const std::string& path);

}  // namespace sonde::sema
