// Snapshot builders shared by the exporter tests.
#pragma once

#include <string>
#include <vector>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter::testing {

metrics::Family counter(std::string name, std::vector<std::string> label_names,
                        std::vector<metrics::Series> series);
metrics::Family gauge(std::string name, std::vector<std::string> label_names,
                      std::vector<metrics::Series> series);
metrics::Family histogram(std::string name, spec::Unit unit, std::vector<std::string> label_names,
                          std::vector<metrics::Series> series);

// avg: a summary of `count` values adding up to `sum`.
metrics::Family summary(std::string name, spec::Unit unit, std::vector<std::string> label_names,
                        std::vector<metrics::Series> series);

metrics::Series value_series(std::vector<std::string> labels, double value);
metrics::Series summary_series(std::vector<std::string> labels, uint64_t count, double sum);
// Non-cumulative bucket counts at the given bounds; `above` values beyond the last.
metrics::Series histogram_series(std::vector<std::string> labels, std::vector<double> bounds,
                                 std::vector<uint64_t> counts, uint64_t above, double sum);

// 0, 1, 2, 4, ..., 2^(slots-2): the shape of log2(0, HIGH) bounds.
std::vector<double> log2_bounds(size_t slots);

// Every kind of family, with awkward names and values: for checks by other programs
// (promtool, python's json).
metrics::Snapshot varied_snapshot();

}  // namespace sonde::exporter::testing
