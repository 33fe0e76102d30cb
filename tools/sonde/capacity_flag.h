// Compile flags shared by `sonde run` and `sonde build`: --capacity N, keys per map
// when a statement gives no `capacity` clause; --window DURATION, the window of min
// and max.
#pragma once

#include "compiler/driver/compiler.h"
#include "tools/cli/args.h"

namespace sonde::cli {

// Sets options.sema.default_capacity when the flag is given; prints the error and
// returns false when its value is not a number from 1 to sema::kMaxCapacity.
bool parse_capacity_flag(const Args& args, const char* command, driver::Options& options);

// Sets options.sema.minmax_window_ns when the flag is given; prints the error and
// returns false when its value is not a duration from 1s to 1h.
bool parse_window_flag(const Args& args, const char* command, driver::Options& options);

}  // namespace sonde::cli
