// `:describe`: what a probe, an event or a span offers to statements (fields and
// their types, builtins, aliases, labels), in words.
#pragma once

#include <string>

#include "compiler/driver/compiler.h"

namespace sonde::repl {

struct Description {
  bool found = false;
  std::string text;  // the description, or rendered diagnostics saying why not
};

// `what`: a probe ("tracepoint:sched:sched_switch"), an event name ("exec") or a
// span's words ("block rq", "syscall read").
Description describe(const std::string& what, driver::Compiler& compiler, bool color);

}  // namespace sonde::repl
