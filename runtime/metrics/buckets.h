// Bucket bounds of sonde's histogram schemes, derived from the same rules the BPF
// programs bucket with (stdlib/bpf/sonde/buckets.h).
#pragma once

#include <cstdint>

#include "runtime/spec/program.h"

namespace sonde::metrics {

// Upper bound (`le`, raw units) of finite slot `slot`.
double bucket_le(const spec::Metric& metric, uint32_t slot);
// Number of finite slots (the rest, if any, is the overflow slot counted only by +Inf).
uint32_t finite_slots(const spec::Metric& metric);

}  // namespace sonde::metrics
