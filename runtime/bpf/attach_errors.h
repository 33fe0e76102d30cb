// Why an attach failed, in words (module-internal). Every message starts with the probe
// as the user wrote it; `err` is libbpf's negative errno, `warnings` what libbpf printed
// while trying.
#pragma once

#include <string>

#include "runtime/bpf/libbpf_log.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::bpf {

// "DISPLAY: what".
Error probe_error(const spec::Probe& probe, std::string what, std::string hint = {});

// Errors that are not about the hook itself (permissions, the unexpected).
Error generic_attach_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);

Error tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);
Error raw_tracepoint_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);
// BTF tracepoints and fentry/fexit.
Error btf_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);
Error kprobe_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);
// Uprobes, uretprobes and USDT: the binary, its symbols, its notes.
Error user_binary_error(const spec::Probe& probe, int err, const LibbpfWarnings& warnings);
// perf_event_open failures.
Error perf_event_error(const spec::Probe& probe, int err);

}  // namespace sonde::bpf
