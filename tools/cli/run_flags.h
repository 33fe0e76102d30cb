// The reporting flags `sonde run` and `sonde-agent` share (--listen, --interval,
// --cumulative, --duration, --format, --top, --quiet): one parser, so both check and word them
// alike.
#pragma once

#include "runtime/session/runner.h"
#include "support/result.h"
#include "tools/cli/args.h"

namespace sonde::cli {

// The shortest --interval: printing faster floods the terminal and costs a scrape each
// time (1ns printed 463k lines in 2 s).
inline constexpr std::chrono::milliseconds kMinInterval{100};

// Fills `run` from the flags given (leaving the others as they are); the error names
// the flag and what it takes.
Status parse_run_flags(const Args& args, session::RunOptions& run);

}  // namespace sonde::cli
