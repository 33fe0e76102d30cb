// The metric names sonde owns, and the rule that a name is exported once: checked where
// programs are put together (sema, `sonde run`/`sonde build` over several files,
// `sonde-agent` over several bundles), so that no family hides another on /metrics.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::spec {

// sonde's self-metrics and the standard process metrics it exports beside a program's.
std::span<const std::string_view> reserved_metric_names();
bool is_reserved_metric_name(std::string_view name);

// "metric 'x_total' comes from both a.sonde:1:1 and b.sonde:2:1" for the first name
// two of `programs` both export, or "" when every name is exported once.
std::string duplicate_metric(const std::vector<const Program*>& programs);

}  // namespace sonde::spec
