#include "runtime/bpf/verifier_log.h"

#include <array>
#include <cctype>
#include <vector>

#include "support/text.h"

namespace sonde::bpf {
namespace {

// More lines than this before the trace are context the user does not need.
constexpr size_t kMaxDecisiveLines = 3;

struct KnownMessage {
  std::string_view needle;
  std::string_view hint;
};

// First match wins: the more specific needles come first.
constexpr std::array kKnownMessages = {
    KnownMessage{"CO-RE relocation",
                 "a kernel type or field this program reads does not exist on this kernel"},
    KnownMessage{"map_value_or_null",
                 "a map lookup result is used without checking it for NULL first"},
    KnownMessage{"invalid access to map value",
                 "a map value is accessed outside its bounds: bound the index or offset "
                 "against the value size before using it"},
    KnownMessage{"value is outside of the allowed memory range",
                 "a map value is accessed outside its bounds: bound the index or offset "
                 "against the value size before using it"},
    KnownMessage{"invalid mem access",
                 "the program dereferences a pointer the verifier cannot prove valid: read "
                 "kernel memory with bpf_probe_read_kernel() or BPF_CORE_READ()"},
    KnownMessage{"back-edge",
                 "the program contains a loop the verifier cannot bound: give loops a "
                 "constant bound"},
    KnownMessage{"infinite loop",
                 "the program contains a loop the verifier cannot bound: give loops a "
                 "constant bound"},
    KnownMessage{"program is too large",
                 "the verifier gave up after 1M instructions: the program has too many "
                 "paths (split it, or simplify predicates and loops)"},
    KnownMessage{"too complex",
                 "the verifier gave up: the program has too many branches to explore"},
    KnownMessage{"!read_ok",
                 "the program reads a register that was never written (a compiler or "
                 "lowering bug)"},
    KnownMessage{"invalid register",
                 "the program uses an invalid register (a compiler or lowering bug)"},
    KnownMessage{"invalid indirect read from stack",
                 "a helper reads stack memory that was never initialised: zero the "
                 "buffer or key first"},
    KnownMessage{"combined stack size",
                 "the program uses more than 512 bytes of stack: move large keys or "
                 "buffers to a per-CPU array map"},
    KnownMessage{"stack size",
                 "the program uses more than 512 bytes of stack: move large keys or "
                 "buffers to a per-CPU array map"},
    KnownMessage{"unknown func",
                 "the program calls a helper this kernel or this program type does not "
                 "provide"},
    KnownMessage{"not allowed in", "the program calls a helper this program type may not use"},
    KnownMessage{"At program exit",
                 "the program returns a value this program type does not accept"},
};

bool is_summary(std::string_view line) {
  return starts_with(line, "processed ") || starts_with(line, "verification time") ||
         starts_with(line, "stack depth") || starts_with(line, "-- END PROG LOAD LOG");
}

// "12: (79) r1 = ...", "12: R1=ctx()", "; source @ file.c:3", "from 4 to 9: ...".
bool is_trace(std::string_view line) {
  if (starts_with(line, ";") || starts_with(line, "from ") || starts_with(line, "func#") ||
      starts_with(line, "last_idx") || starts_with(line, "regs=") || starts_with(line, "parent ") ||
      starts_with(line, "mark_precise") || starts_with(line, "-- BEGIN PROG LOAD LOG")) {
    return true;
  }
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) {
    ++digits;
  }
  return digits > 0 && digits < line.size() && line[digits] == ':';
}

int instruction_of(std::string_view line) {
  int value = 0;
  size_t i = 0;
  for (; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i) {
    value = value * 10 + (line[i] - '0');
  }
  return i > 0 && i < line.size() && line[i] == ':' ? value : -1;
}

}  // namespace

VerifierDiagnosis diagnose_verifier_log(std::string_view log) {
  std::vector<std::string_view> lines;
  for (std::string_view line : split(log, '\n')) {
    line = trim(line);
    if (!line.empty()) lines.push_back(line);
  }
  while (!lines.empty() && is_summary(lines.back())) lines.pop_back();

  VerifierDiagnosis out;
  size_t end = lines.size();
  size_t begin = end;
  while (begin > 0 && !is_trace(lines[begin - 1])) --begin;
  // Keep the last lines: the first of a long block is usually not the point.
  if (end - begin > kMaxDecisiveLines) begin = end - kMaxDecisiveLines;
  for (size_t i = begin; i < end; ++i) {
    if (!out.message.empty()) out.message += "; ";
    out.message += lines[i];
  }
  for (size_t i = begin; i-- > 0;) {
    if (out.instruction < 0) out.instruction = instruction_of(lines[i]);
    if (starts_with(lines[i], ";")) {
      out.source_line = std::string(trim(lines[i].substr(1)));
      break;
    }
  }
  for (const KnownMessage& known : kKnownMessages) {
    if (out.message.find(known.needle) != std::string::npos) {
      out.hint = known.hint;
      break;
    }
  }
  return out;
}

}  // namespace sonde::bpf
