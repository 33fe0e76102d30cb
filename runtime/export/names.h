// Names as Prometheus accepts them. The compiler already produces valid names; these
// make sure that a name it got wrong degrades into a valid, recognizable one instead
// of a scrape Prometheus rejects as a whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// [a-zA-Z_:][a-zA-Z0-9_:]*: other characters become '_', a leading digit gets a '_'.
std::string sanitize_metric_name(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, the same way.
std::string sanitize_label_name(std::string_view name);

// The family's label names, sanitized and made distinct (a repeated name gets a
// "_2", "_3", ... suffix); histograms reserve `le` for their buckets.
std::vector<std::string> export_label_names(const metrics::Family& family);

// "counter", "gauge" or "histogram".
const char* family_type_name(metrics::FamilyType type);

}  // namespace sonde::exporter
