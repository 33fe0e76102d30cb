// `print` records (spec::Events) as text: a header naming the fields, then a line per
// event in columns at least as wide as the header's; or a JSON object per event.
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::exporter {

void append_event_header(const spec::Events& events, std::string& out);
void append_event_line(const spec::Events& events, const std::vector<std::string>& values,
                       std::string& out);
// {"ts":1733370000.5,"event":"sonde_print0","fields":{"pid":"42","comm":"sh"}}: fields
// are strings, as label values are in the metrics' JSON lines.
void append_event_json(const spec::Events& events, const std::vector<std::string>& values,
                       double unix_seconds, std::string& out);

}  // namespace sonde::exporter
