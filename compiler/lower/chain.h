// Hook chains (the REPL): statements typed one by one on one hook share one attachment.
// A dispatcher attached once to the hook tail-calls the statements' programs through a
// BPF_MAP_TYPE_PROG_ARRAY its owner fills slot by slot: a map update is atomic, so a
// statement joins or leaves while the others keep counting. Each chained program runs
// its body, then tries the slots after its own in order (a tail call into an empty slot
// fails and the program goes on), so one event runs every filled slot once. The runtime
// side (the map, the dispatcher, the slots) is runtime/session/hook_chain.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "runtime/spec/program.h"

namespace sonde::lower {

// A hook a program of the statement being lowered attaches to.
struct ChainHook {
  std::string key;      // chain_key(): programs with the same key can share a chain
  std::string section;  // the program's SEC(), which a dispatcher on the hook repeats
  std::string program;  // the BPF program that would join it
  const spec::Probe* probe = nullptr;
};

struct ChainSlot {
  uint32_t slot = 0;   // this program's slot in the hook's prog array
  uint32_t slots = 0;  // the array's size: the program tries slot+1 .. slots-1 after its body
};

// Asked for each program of the statement; nullopt: attach it on its own.
using ChainSlots = std::function<std::optional<ChainSlot>(const ChainHook&)>;

// A statement on more hooks than this (a wildcard) attaches its programs on their own:
// every chained hook costs a dispatcher of its own.
inline constexpr size_t kMaxChainedHooks = 8;

// What programs must agree on to share a chain: the section (it gives the program type
// and the attach) and where it attaches. Not the context type: its name changes with
// every compile of a long-lived process (lower::Options::type_suffix).
std::string chain_key(const std::string& section, const spec::Probe& probe);

// Hooks whose programs can be tail-called from a dispatcher: tracepoints, raw
// tracepoints, uprobes, uretprobes and perf events (tested through the REPL's code:
// tests/e2e/repl_chain_test.cpp). Not USDT (its argument specs are found by the
// attach cookie, which is the dispatcher's in a tail call). Not kernel probes
// (unavailable on this kernel, so untested).
bool chainable(const spec::Probe& probe);

// The prog array of a chained program, reused from the chain's owner at load.
std::string chain_map_name(const std::string& program);
// Its declaration, and the tail calls that end the program.
std::string chain_map_c(const std::string& program, const ChainSlot& slot);
std::string chain_tail_c(const std::string& program, const ChainSlot& slot);

// The whole C of a dispatcher: program `sonde_dispatch` in `section` tries every slot of
// map `sonde_chain`.
inline constexpr const char* kDispatcherProgram = "sonde_dispatch";
inline constexpr const char* kDispatcherMap = "sonde_chain";
std::string dispatcher_c(const std::string& section, uint32_t slots);

}  // namespace sonde::lower
