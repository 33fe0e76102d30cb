// Kernel symbol table from /proc/kallsyms: address -> name of the enclosing symbol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::decode {

class KernelSymbols {
 public:
  // Reads and indexes the whole table (~120k symbols). Fails when the file is
  // unreadable or its addresses are hidden (kptr_restrict without privileges).
  static Result<KernelSymbols> load(const std::string& path = "/proc/kallsyms");

  // Name of the symbol containing `addr` (no "+offset", so all addresses inside one
  // function give one name; module symbols carry no "[module]" suffix). Empty when
  // `addr` precedes every symbol or lies implausibly far past the nearest one.
  std::string_view lookup(uint64_t addr) const;

  size_t size() const { return symbols_.size(); }

 private:
  struct Symbol {
    uint64_t addr;
    uint32_t name;    // offset into names_
    uint16_t length;  // of the name
    uint16_t rank;    // among aliases at one address, the lowest is kept
  };
  // Adds the symbol of one line of the file; returns whether its address was nonzero.
  bool add_line(const char* begin, const char* end);

  std::vector<Symbol> symbols_;  // sorted by address, one per address
  std::string names_;
};

}  // namespace sonde::decode
