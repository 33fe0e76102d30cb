// The kernel as the checker and lowering see it: its BTF, its tracepoints and their
// formats, plus the functions and USDT probes of user binaries. An interface with two
// implementations: the running system (RunningKernel, below) and a fixed fixture for
// tests (tests/fixtures/kernel/), so that what sema and lowering decide can be tested
// identically on any machine. Reads are lazy and cached here, so a REPL session pays
// for each lookup once, whatever the source.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/tracefs.h"
#include "format/elf_catalog.h"
#include "support/result.h"

namespace sonde::sema {

class KernelInfo {
 public:
  virtual ~KernelInfo();

  Result<std::shared_ptr<const kernel::Btf>> btf();
  // Cached per tracepoint; the error explains what is missing.
  Result<std::shared_ptr<const kernel::TracepointFormat>> tracepoint(const std::string& category,
                                                                     const std::string& name);
  Result<const std::vector<kernel::TracepointName>*> tracepoints();
  // Functions defined in a user binary (sorted by name), and its USDT probes (sorted).
  // Read from the file named, for every implementation.
  Result<const std::vector<format::ElfFunction>*> functions(const std::string& path);
  Result<const std::vector<format::UsdtProbeName>*> usdt_probes(const std::string& path);

  // Names this kernel's types and tracepoints for caches of compiled objects: two
  // kernels with the same identity give the same program the same object.
  virtual std::string identity() = 0;

 protected:
  // The sources behind the caches, each read at most once per name.
  virtual Result<std::shared_ptr<const kernel::Btf>> read_btf() = 0;
  virtual Result<kernel::TracepointFormat> read_tracepoint(
      const std::string& category, const std::string& name,
      const kernel::ConstantResolver& resolve) = 0;
  virtual Result<std::vector<kernel::TracepointName>> read_tracepoints() = 0;

 private:
  std::shared_ptr<const kernel::Btf> btf_;
  std::optional<Error> btf_error_;
  std::map<std::string, std::shared_ptr<const kernel::TracepointFormat>> formats_;
  std::optional<std::vector<kernel::TracepointName>> tracepoints_;
  std::map<std::string, Result<std::vector<format::ElfFunction>>> functions_;
  std::map<std::string, Result<std::vector<format::UsdtProbeName>>> usdt_probes_;
};

// The machine sonde runs on: /sys/kernel/btf/vmlinux (or `btf_path`) and the tracefs
// mount (mounted when missing, see kernel::tracefs_root()).
class RunningKernel : public KernelInfo {
 public:
  explicit RunningKernel(std::string btf_path = "/sys/kernel/btf/vmlinux");

  // Release, version and machine (uname), and the size of the BTF.
  std::string identity() override;

 protected:
  Result<std::shared_ptr<const kernel::Btf>> read_btf() override;
  Result<kernel::TracepointFormat> read_tracepoint(
      const std::string& category, const std::string& name,
      const kernel::ConstantResolver& resolve) override;
  Result<std::vector<kernel::TracepointName>> read_tracepoints() override;

 private:
  std::string btf_path_;
};

}  // namespace sonde::sema
