// Prometheus text exposition format 0.0.4, written by prometheus-cpp's serializer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// What prometheus-cpp's Exposer answers /metrics with (it names no format version;
// Prometheus reads such a body as text format 0.0.4).
inline constexpr std::string_view kPrometheusContentType = "text/plain; charset=utf-8";

// Appends the library's text for `families` to `out` (written in place, without the
// copy an std::ostringstream makes).
void append_serialized(const std::vector<prometheus::MetricFamily>& families, std::string& out);

// Appends the exposition of every family of `snapshot` to `out`: the families of a
// FamilyBuilder (families.h), serialized. Histograms become cumulative `_bucket` series
// with a `+Inf` bucket equal to the count, `_sum` and `_count`; nanoseconds are exported
// as seconds.
void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out);

}  // namespace sonde::exporter
