// JSON lines for machines: one object per family per line.
#pragma once

#include <string>
#include <string_view>

#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

// Appends one line per family:
//   {"ts":T,"metric":NAME,"type":"counter"|"gauge"|"histogram","series":[...]}
// A counter or gauge series is {"labels":{...},"value":V}; a histogram series is
// {"labels":{...},"buckets":[{"le":B,"count":C},...],"sum":S,"count":N} with
// cumulative finite buckets (the +Inf bucket is `count`). Values are in exported
// units (seconds for latencies) and names sanitized, as on /metrics. `ts` is
// `unix_seconds`; NaN and infinities are written as null. These are the cumulative
// values. When `snapshot.interval` is set, a line also has
// "interval":{"start":S,"end":E,"final":F}, and each series with increases an
// "interval":{...} of the same fields for the interval alone (README: JSON lines).
void append_json_lines(const metrics::Snapshot& snapshot, double unix_seconds, std::string& out);

// `text` as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sonde::exporter
