#include "compiler/sema/probe_kinds.h"

#include <linux/perf_event.h>

namespace sonde::sema {
namespace {

using spec::AttachKind;
using F = ProbeForm;
using A = ArgAccess;

constexpr PerfEventName kSoftwareEvents[] = {
    {"cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000},
    {"task-clock", nullptr, PERF_COUNT_SW_TASK_CLOCK, 1000000},
    {"page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100},
    {"context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
    {"cpu-migrations", nullptr, PERF_COUNT_SW_CPU_MIGRATIONS, 1},
    {"minor-faults", nullptr, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
    {"major-faults", nullptr, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
    {"alignment-faults", nullptr, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
    {"emulation-faults", nullptr, PERF_COUNT_SW_EMULATION_FAULTS, 1},
};

constexpr PerfEventName kHardwareEvents[] = {
    {"cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000},
    {"instructions", nullptr, PERF_COUNT_HW_INSTRUCTIONS, 1000000},
    {"cache-references", nullptr, PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
    {"cache-misses", nullptr, PERF_COUNT_HW_CACHE_MISSES, 1000000},
    {"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
    {"branch-misses", nullptr, PERF_COUNT_HW_BRANCH_MISSES, 100000},
    {"bus-cycles", nullptr, PERF_COUNT_HW_BUS_CYCLES, 100000},
    {"ref-cycles", nullptr, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
};

constexpr const char* kRegs = "struct pt_regs *ctx";
constexpr const char* kPerf = "struct bpf_perf_event_data *ctx";

// The order is the one hints list kinds in.
// clang-format off
constexpr ProbeKindInfo kKinds[] = {
    // name, aliases, form, usage, attach, section, context, target, args,
    // arg_builtins, retval, at_return, named_args, user_memory, listed, perf_type, events, func
    {"tracepoint", {"tp", "t"}, F::kTracepoint, "tracepoint:CATEGORY:NAME",
     AttachKind::kTracepoint, "tracepoint/{category}/{name}", "void *ctx", "{category}:{name}",
     A::kNone, false, false, false, false, false, true, 0, {}, "{name}"},
    // raw_tp, not tp_btf: both cost the same per event here, but tp_btf makes libbpf load
    // the kernel BTF (see docs/probes.md for the figures).
    {"rawtracepoint", {"rawtp", "rt"}, F::kRawTracepoint, "rawtracepoint:NAME",
     AttachKind::kRawTracepoint, "raw_tp/{name}", "struct bpf_raw_tracepoint_args *ctx", "{name}",
     A::kRawArgs, false, false, false, true, false, true, 0, {}, "{name}"},
    {"uprobe", {"u", nullptr}, F::kUserFunction, "uprobe:PATH:SYMBOL", AttachKind::kUprobe,
     "uprobe", kRegs, "{symbol}", A::kRegisters, true, false, false, false, true, false, 0, {},
     "{symbol}"},
    {"uretprobe", {"ur", nullptr}, F::kUserFunction, "uretprobe:PATH:SYMBOL",
     AttachKind::kUretprobe, "uretprobe", kRegs, "{symbol}", A::kRegisters, false, true, true,
     false, true, false, 0, {}, "{symbol}"},
    {"usdt", {"U", nullptr}, F::kUsdt, "usdt:PATH:PROVIDER:NAME", AttachKind::kUsdt, "usdt", kRegs,
     "{name}", A::kUsdtSpec, true, false, false, false, true, false, 0, {}, "{name}"},
    {"profile", {"p", nullptr}, F::kProfile,
     "profile:hz:N (or profile:s:N, profile:ms:N, profile:us:N)", AttachKind::kPerfEvent,
     "perf_event", kPerf, "{name}", A::kNone, false, false, false, false, false, true,
     PERF_TYPE_SOFTWARE, {}, nullptr},
    {"software", {"s", nullptr}, F::kPerfEvent, "software:EVENT:PERIOD", AttachKind::kPerfEvent,
     "perf_event", kPerf, "{name}", A::kNone, false, false, false, false, false, true,
     PERF_TYPE_SOFTWARE, kSoftwareEvents, "{name}"},
    {"hardware", {"h", nullptr}, F::kPerfEvent, "hardware:EVENT:PERIOD", AttachKind::kPerfEvent,
     "perf_event", kPerf, "{name}", A::kNone, false, false, false, false, false, false,
     PERF_TYPE_HARDWARE, kHardwareEvents, "{name}"},
    {"kprobe", {"k", nullptr}, F::kKernelFunction, "kprobe:FUNCTION", AttachKind::kKprobe,
     "kprobe/{name}", kRegs, "{name}", A::kRegisters, true, false, false, true, false, false, 0,
     {}, "{name}"},
    // A kretprobe sees registers at the return, where the arguments are gone; fexit's
    // context keeps them.
    {"kretprobe", {"kr", nullptr}, F::kKernelFunction, "kretprobe:FUNCTION",
     AttachKind::kKretprobe, "kretprobe/{name}", kRegs, "{name}", A::kRegisters, false, true,
     true, false, false, false, 0, {}, "{name}"},
    {"fentry", {"f", nullptr}, F::kKernelFunction, "fentry:FUNCTION", AttachKind::kFentry,
     "fentry/{name}", "__u64 *ctx", "{name}", A::kTrampoline, false, false, false, true, false,
     false, 0, {}, "{name}"},
    {"fexit", {"fr", nullptr}, F::kKernelFunction, "fexit:FUNCTION", AttachKind::kFexit,
     "fexit/{name}", "__u64 *ctx", "{name}", A::kTrampoline, false, true, false, true, false,
     false, 0, {}, "{name}"},
};
// clang-format on

}  // namespace

std::span<const ProbeKindInfo> probe_kinds() { return kKinds; }

const ProbeKindInfo* find_probe_kind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (name == k.name) return &k;
    for (const char* alias : k.aliases) {
      if (alias && name == alias) return &k;
    }
  }
  return nullptr;
}

std::string canonical_probe_text(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return text;
  const ProbeKindInfo* kind = find_probe_kind(std::string_view(text).substr(0, colon));
  if (!kind) return text;
  return kind->name + text.substr(colon);
}

}  // namespace sonde::sema
