// Attaching the probes of a loaded Object to their hooks. Every error names the probe
// as the user wrote it (`Probe::display`) and says why in words, e.g.
// "kprobe:vfs_read: kernel-function probes are not available on this kernel
// (CONFIG_KPROBES is off)".
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "runtime/bpf/link.h"
#include "runtime/bpf/object.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::bpf {

// One probe. Perf events give one link per online CPU; everything else one link.
// BTF tracepoints and fentry/fexit were bound to their target at load time (see
// Object::load).
Result<Links> attach(const Object& object, const spec::Probe& probe);

// Probes naming the same program (statements on one hook share it) attach it once; a
// failure to attach it is each of theirs.
// All or nothing: on the first failure, everything attached so far is detached and that
// failure is returned.
Result<Links> attach_all(const Object& object, std::span<const spec::Probe> probes);

struct ProbeFailure {
  size_t probe = 0;  // index into the probes given
  Error error;
};

struct AttachReport {
  Links links;
  std::vector<ProbeFailure> failures;
};

// Best effort (non-strict mode): attaches every probe it can, reports the others.
AttachReport attach_each(const Object& object, std::span<const spec::Probe> probes);

}  // namespace sonde::bpf
