// The stdlib (definitions written in sonde, and the BPF C headers generated code
// includes), compiled into the binary so that sonde needs no files at run time.
#pragma once

#include <string_view>
#include <vector>

namespace sonde::stdlib {

struct EmbeddedFile {
  std::string_view path;  // relative to stdlib/, e.g. "block.sonde", "bpf/sonde/buckets.h"
  std::string_view text;
};

const std::vector<EmbeddedFile>& embedded_files();

// libbpf's BPF-side headers (bpf_helpers.h, bpf_core_read.h, ...), taken from the
// build host's libbpf-dev so generated programs compile with no system headers.
namespace libbpf {
const std::vector<EmbeddedFile>& embedded_files();
}

}  // namespace sonde::stdlib
