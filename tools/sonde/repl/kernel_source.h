// Completion answers from the running kernel and the session's compiler: tracepoints
// from tracefs, fields from their formats (or BTF), spans, events and aliases from the
// definitions the compiler holds (stdlib and whatever was typed).
#pragma once

#include <functional>

#include "compiler/driver/compiler.h"
#include "tools/sonde/repl/completion.h"

namespace sonde::repl {

class KernelSource : public CompletionSource {
 public:
  using Numbers = std::function<std::vector<std::string>()>;
  KernelSource(driver::Compiler& compiler, Numbers numbers);

  std::vector<std::string> probe_kinds() override;
  std::string canonical_kind(const std::string& kind) override;
  std::vector<std::string> tracepoint_categories() override;
  std::vector<std::string> tracepoint_names(const std::string& category) override;
  std::vector<std::string> event_names() override;
  std::vector<std::vector<std::string>> spans() override;
  std::vector<std::string> span_parameter_values(const std::vector<std::string>& words,
                                                 size_t index) override;
  std::vector<std::string> probe_names(const std::string& probe) override;
  std::vector<std::string> span_statement_names(const std::vector<std::string>& words) override;
  std::vector<std::string> statement_numbers() override { return numbers_(); }

 private:
  const std::vector<kernel::TracepointName>& tracepoints();

  driver::Compiler& compiler_;
  Numbers numbers_;
};

}  // namespace sonde::repl
