#include "runtime/metrics/buckets.h"

#include <cmath>

#include "stdlib/bpf/sonde/buckets.h"

namespace sonde::metrics {

double bucket_le(const spec::Metric& metric, uint32_t slot) {
  if (metric.buckets == spec::BucketScheme::kLinear) {
    return static_cast<double>(metric.linear_low) +
           static_cast<double>(slot) * static_cast<double>(metric.linear_step);
  }
  return slot == 0 ? 0.0 : std::ldexp(1.0, static_cast<int>(slot) - 1);
}

uint32_t finite_slots(const spec::Metric& metric) {
  if (metric.buckets == spec::BucketScheme::kLinear) {
    return static_cast<uint32_t>(
               sonde_linear_slots(metric.linear_low, metric.linear_high, metric.linear_step)) -
           1;
  }
  return SONDE_LOG2_SLOTS;
}

}  // namespace sonde::metrics
