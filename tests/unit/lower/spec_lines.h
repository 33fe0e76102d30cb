// A spec::Program as lines of `key=value` tokens, one line per probe, metric, label and
// span, so that a test can assert the fields that matter for it and print the rest
// when it fails:
//
//   probe sonde_s0_p0 kind=tracepoint target=sched:sched_switch display=tracepoint:...
//   metric sonde_sched_switch_total aggregation=count unit=none buckets=none ...
//   label sonde_sched_switch_total.prev_comm offset=0 size=16 decoder=string
//   span "block rq" start_map=sonde_st0 max_entries=10240 statement=0
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::lower {

std::vector<std::string> spec_lines(const spec::Program& program);

// Whether `actual` holds a line with the same first two words as `expected` and every
// other token of `expected` (a subset: unnamed fields are not checked). Tokens are
// separated by spaces; a double-quoted token may hold spaces.
bool has_spec_line(const std::vector<std::string>& actual, const std::string& expected);

}  // namespace sonde::lower
