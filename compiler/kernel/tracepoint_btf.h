// BTF types behind tracepoints: the struct laying out a classic tracepoint's record,
// and the arguments a BTF-typed tracepoint (tp_btf, raw_tp) passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/tracefs.h"

namespace sonde::kernel {

// The struct describing the record of a classic tracepoint: `trace_event_raw_<name>`
// when it matches the format, else the `trace_event_raw_<class>` shared by the events
// of one DEFINE_EVENT class (sched_wakeup -> trace_event_raw_sched_wakeup_template),
// found as the struct whose members match every non-common field by name and offset.
// nullopt when none matches (the format alone then describes the record).
std::optional<uint32_t> tracepoint_record_struct(const Btf& btf, const TracepointFormat& format);

// The record struct's member for a format field, with its byte offset in bit_offset
// (bits). A __data_loc field is the u32 member `__data_loc_<name>`.
std::optional<Member> tracepoint_record_member(const Btf& btf, uint32_t record_struct,
                                               const TracepointField& field);

// The arguments of BTF-typed tracepoint `name` (sched_switch): the parameters of the
// FUNC_PROTO behind `typedef ... (*btf_trace_<name>)(void *, ...)`, without the
// leading `void *` (so args[i] is the program's ctx[i]). Names come from the kernel's
// `__probestub_<name>` or `__bpf_trace_<name>` function when their types agree, since
// the typedef's own parameters are unnamed. nullopt when the kernel has no such
// tracepoint.
std::optional<std::vector<Param>> btf_tracepoint_params(const Btf& btf, std::string_view name);

}  // namespace sonde::kernel
