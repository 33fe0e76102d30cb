// What `sonde list` shows: the probes this machine offers and the spans and events
// defined in sonde, matched by a glob, with their fields and types on request.
#pragma once

#include <string>
#include <vector>

#include "compiler/ast/source.h"
#include "compiler/sema/definitions.h"
#include "compiler/sema/kernel_info.h"
#include "support/result.h"

namespace sonde::sema {

struct CatalogField {
  std::string name;
  std::string type;  // C spelling ("char[16]", "struct task_struct *")
  std::string note;  // value names, "alias for ...", may be empty
};

struct CatalogEntry {
  std::string
      name;  // "tracepoint:sched:sched_switch", "span:block rq", "event:exec", "decoder:ksym"
  std::string summary;  // one line, may be empty ("tracepoint:sched:sched_process_exec")
  std::vector<CatalogField> fields;  // with details only
  std::vector<std::string> lines;    // with details: a definition's source, line by line
};

// Entries whose name matches `pattern`: a glob ("tracepoint:sched:*"), a probe kind may
// be abbreviated as in programs ("t:sched:*"); a word without ':' or wildcards matches
// anywhere ("sched"); empty matches everything. Kernel-function probes, hardware
// events, decoders ("decoder:ksym") and functions ("function:str") are listed only when
// the pattern names their kind, user functions and USDT probes only for a binary the
// pattern names ("uprobe:/bin/bash:*").
Result<std::vector<CatalogEntry>> list_probes(const std::string& pattern, bool details,
                                              KernelInfo& kernel, const Definitions& definitions,
                                              const ast::SourceManager& sources);

}  // namespace sonde::sema
