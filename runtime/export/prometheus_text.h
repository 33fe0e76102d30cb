// Prometheus text exposition format 0.0.4.
#pragma once

#include <string>
#include <string_view>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Appends the exposition of every family to `out` (kept, not cleared: pass the same
// string at each scrape and its capacity is reused, so rendering allocates only per
// family). Histograms become cumulative `_bucket` series with a `+Inf` bucket equal
// to the count, `_sum` and `_count`; nanoseconds are exported as seconds. Names that
// are not valid Prometheus names are sanitized, and a family whose names collide with
// an earlier one is left out with a comment, so the text always parses.
void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out);

}  // namespace sonde::exporter
