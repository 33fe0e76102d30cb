// Prometheus text exposition format 0.0.4, written by sonde's own writer (exposition.h).
#pragma once

#include <string>
#include <string_view>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// What /metrics is answered with (no format version: Prometheus reads such a body as
// text format 0.0.4).
inline constexpr std::string_view kPrometheusContentType = "text/plain; charset=utf-8";

// Appends the exposition of every family of `snapshot` to `out`, as a fresh
// ExpositionWriter writes it (exposition.h says what it holds). Histograms become
// cumulative `_bucket` series with a `+Inf` bucket equal to the count, `_sum` and
// `_count`; nanoseconds are exported as seconds.
void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out);

}  // namespace sonde::exporter
