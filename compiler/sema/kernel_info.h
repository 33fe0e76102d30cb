// The running system as the checker sees it: kernel BTF, tracepoint formats, and the
// functions and USDT probes of user binaries, read lazily and cached, so a REPL
// session pays for each lookup once.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/tracefs.h"
#include "runtime/decode/elf_symbols.h"
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
  // Functions defined in a user binary (sorted by name), and its USDT probes (sorted).
  Result<const std::vector<decode::ElfFunction>*> functions(const std::string& path);
  Result<const std::vector<decode::UsdtProbeName>*> usdt_probes(const std::string& path);

 private:
  std::string btf_path_;
  std::shared_ptr<const kernel::Btf> btf_;
  std::optional<Error> btf_error_;
  std::map<std::string, std::shared_ptr<const kernel::TracepointFormat>> formats_;
  std::optional<std::vector<kernel::TracepointName>> tracepoints_;
  std::map<std::string, Result<std::vector<decode::ElfFunction>>> functions_;
  std::map<std::string, Result<std::vector<decode::UsdtProbeName>>> usdt_probes_;
};

}  // namespace sonde::sema
