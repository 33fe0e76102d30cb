// A snapshot as prometheus-cpp's metric families: what its serializer writes and its
// Exposer serves. The library checks and escapes names and label values; this adds what
// it leaves to its callers (HELP text escaping, valid UTF-8, distinct label names,
// families whose names collide) and sonde's shaping (units, cumulative buckets).
#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// Kept from one scrape to the next: a series whose label values are those it had at the
// same place last time keeps its converted labels (no string is rebuilt), so a warm
// scrape only writes numbers into families it already has.
class FamilyBuilder {
 public:
  // The families of `snapshot`, in its order. Names that are not valid Prometheus names
  // are sanitized; a family whose sample names collide with an earlier family's is left
  // out (see left_out()) so that the exposition always parses. Valid until the next call.
  const std::vector<prometheus::MetricFamily>& build(const metrics::Snapshot& snapshot);

  // Names of families left out by the latest build().
  const std::vector<std::string>& left_out() const { return left_out_; }

 private:
  struct Cached {
    std::vector<std::string> label_names;  // exported, per family
    metrics::FamilyType type = metrics::FamilyType::kCounter;
  };
  std::vector<prometheus::MetricFamily> families_;
  std::vector<Cached> cached_;
  std::vector<std::string> left_out_;
};

// Escapes HELP text as the exposition format requires (backslash, newline; invalid
// UTF-8 becomes U+FFFD). prometheus-cpp 1.0.1 writes HELP as it is given.
std::string escape_help(std::string_view help);

}  // namespace sonde::exporter
