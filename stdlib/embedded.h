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

}  // namespace sonde::stdlib
