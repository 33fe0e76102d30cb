// What the bodies of one shared program (statements on one hook, lower.cpp `programs()`)
// have in common, evaluated once per event by the shared program (issue 17):
//  - event values: helper results (pid_tgid, uid_gid, comm, ktime, cgroup id, cpu,
//    current task) and reads of the context, when at least two bodies read them where
//    they always run (in their predicate, or with no predicate); the shared program
//    reads them first and hands them to the bodies in a struct (`sv`);
//  - a predicate that consecutive bodies spell the same (the same C text, free of side
//    effects): tested once, the bodies called under it; values that two or more of those
//    bodies read past the predicate are read once under it too.
// A value read by one body stays in that body, so a single statement pays nothing extra.
// Bodies change only their own maps, never the task, the context or the clock, so a
// value read first cannot go stale. The clock read once means a body's "now" is the
// event's time, not the moment its turn came: a span started and ended on one hook
// sees the same time at both ends of one event (docs/performance.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sonde::lower {

// One body as statement() lowered it.
struct SharedBody {
  std::string name;  // its always-inline function
  std::string text;  // its C statements
  // Its predicate: the line `if (!(condition)) return 0;` at [predicate_at, predicate_end)
  // of `text`, after the lines that compute it (from 0). No predicate: has_predicate false.
  bool has_predicate = false;
  size_t predicate_at = 0;
  size_t predicate_end = 0;
  std::string condition;
  // The context reads it made (FunctionBuilder::context_reads()): access, local.
  std::vector<std::pair<std::string, std::string>> context_reads;
};

// The C of a shared program named `name` calling `bodies` in order, with `stack_room`
// bytes of stack left by the bodies' summed estimates. Nothing is shared when it would
// take more, or when `share` is false (each body as it was).
struct SharedProgramC {
  std::string types;               // the values' struct, before the bodies ("" if none)
  std::vector<std::string> texts;  // each body's statements, rewritten to read the values
  std::string extra_parameter;     // appended to each body's parameters ("" if none)
  std::string statements;          // the shared program's statements, up to `return 0;`
};

SharedProgramC share_values(const std::string& name, const std::vector<SharedBody>& bodies,
                            uint32_t stack_room, bool share = true);

}  // namespace sonde::lower
