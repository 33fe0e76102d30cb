// What a user binary offers to probe: the functions it defines (for uprobes) and the
// USDT probes it declares, read from its ELF symbols and notes. The checker's view of a
// binary; decoding addresses back into names is runtime/decode's ElfSymbols.
#pragma once

#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::format {

// A function defined in an ELF file, by name (aliases each listed).
struct ElfFunction {
  std::string name;
  // STT_GNU_IFUNC (in any version): a resolver that picks the implementation at load.
  bool ifunc = false;
  // Defined at several addresses by non-weak symbols (versions such as realpath@GLIBC_2.2.5
  // and realpath@@GLIBC_2.3): the name alone does not say which.
  bool ambiguous = false;
};

// Every function defined in `path` itself (.symtab and .dynsym, not a separate debug
// file: uprobes are attached by names the file holds), sorted by name, one entry per
// name: e.g. to check a uprobe's symbol.
Result<std::vector<ElfFunction>> elf_functions(const std::string& path);

// A USDT probe declared in a .note.stapsdt section.
struct UsdtProbeName {
  std::string provider;
  std::string name;
};

// USDT probes of `path`, sorted, duplicates (one per call site) removed.
Result<std::vector<UsdtProbeName>> elf_usdt_probes(const std::string& path);

}  // namespace sonde::format
