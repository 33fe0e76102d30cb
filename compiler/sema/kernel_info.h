// The running kernel as the checker sees it: BTF and tracepoint formats, opened
// lazily and cached, so a REPL session pays for each lookup once.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/tracefs.h"
#include "support/result.h"

namespace sonde::sema {

class KernelInfo {
 public:
  // BTF of the running kernel (or of `btf_path`, for tests).
  explicit KernelInfo(std::string btf_path = "/sys/kernel/btf/vmlinux");

  Result<std::shared_ptr<const kernel::Btf>> btf();
  // Cached per tracepoint; the error explains what is missing.
  Result<std::shared_ptr<const kernel::TracepointFormat>> tracepoint(const std::string& category,
                                                                    const std::string& name);
  Result<const std::vector<kernel::TracepointName>*> tracepoints();

 private:
  std::string btf_path_;
  std::shared_ptr<const kernel::Btf> btf_;
  std::optional<Error> btf_error_;
  std::map<std::string, std::shared_ptr<const kernel::TracepointFormat>> formats_;
  std::optional<std::vector<kernel::TracepointName>> tracepoints_;
};

}  // namespace sonde::sema
