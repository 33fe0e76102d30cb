// Hook chains (the REPL, compiler/lower/chain.h): statements attached one by one on one
// hook share one attachment. Per hook, a dispatcher program attached once tail-calls the
// statements' programs through a prog array; a statement joins by putting its program
// in its slot and leaves by deleting it, each one map update the kernel makes atomically,
// so the other statements on the hook never miss or double-count an event (re-attaching
// a rebuilt shared program would: bpf_link__update_program is refused here, EINVAL).
//
//   auto slot = chains.reserve(key, section, probe);   // before compiling the statement
//   if (slot->needs_dispatcher()) slot->load_dispatcher(elf_of(lower::dispatcher_c(...)));
//   object.reuse_map(lower::chain_map_name(program), slot->map_fd());   // before load
//   slot->fill(object.program_fd(program));    // live; the first one attaches the dispatcher
//   slot.reset();                               // out of the chain; the last one detaches it
//
// A chain has kSlots slots; a hook with more statements gets another chain (another
// dispatcher, attached beside the first).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "runtime/bpf/stats.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

class HookChains;

// A slot of one chain, held by the statement whose program it is for. Destroying it
// takes the program out of the chain.
class ChainSlot {
 public:
  ChainSlot(const ChainSlot&) = delete;
  ChainSlot& operator=(const ChainSlot&) = delete;
  ~ChainSlot();

  uint32_t index() const { return index_; }
  uint32_t slots() const;
  // The chain's dispatcher is not loaded yet (the slot opened a new chain).
  bool needs_dispatcher() const;
  // Loads the dispatcher (lower::dispatcher_c compiled for this chain's section and
  // size); not attached until the first program joins.
  Status load_dispatcher(std::span<const uint8_t> elf);
  // The prog array the statement's object must share (Object::reuse_map), or -1.
  int map_fd() const;
  // Puts `program_fd` in the slot: it runs from the next event on. The first program of
  // the chain attaches the dispatcher (after its slot is filled, so it counts at once).
  Status fill(int program_fd);
  // The dispatcher's run counts: one run per event on the hook, its time that of every
  // program of the chain (tail-called programs have no counts of their own).
  Result<bpf::ProgramStats> dispatcher_stats() const;
  // How many programs the chain runs now.
  size_t members() const;

  struct Chain;

 private:
  friend class HookChains;
  ChainSlot(std::shared_ptr<Chain> chain, uint32_t index)
      : chain_(std::move(chain)), index_(index) {}
  std::shared_ptr<Chain> chain_;
  uint32_t index_ = 0;
};

class HookChains {
 public:
  // Every event tries each slot once, filled or not: ~0.7 ns a tail call into an empty
  // slot here (docs/performance.md), so 8 slots cost a hook ~6 ns whatever its number of
  // statements, and a 9th statement on the hook costs another attachment (a chain of
  // its own). Empty slots do not count toward the kernel's 33 tail calls an event
  // (measured: a program in slot 40 of a 64-slot array still ran).
  static constexpr uint32_t kSlots = 8;

  HookChains() = default;
  HookChains(const HookChains&) = delete;
  HookChains& operator=(const HookChains&) = delete;

  // A free slot of a chain on the hook `key` (lower::chain_key), or the first slot of a
  // new one attaching `section` as `probe` does.
  std::unique_ptr<ChainSlot> reserve(const std::string& key, const std::string& section,
                                     const spec::Probe& probe);
  // Chains with a dispatcher attached (tests: one attachment however many statements).
  size_t attached_chains() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<ChainSlot::Chain>> chains_;
};

}  // namespace sonde::session
