// Reading a BPF verifier log the way a person does: the decisive message is the last
// few lines before the "processed N insns" summary, after the instruction trace.
#pragma once

#include <string>
#include <string_view>

namespace sonde::bpf {

struct VerifierDiagnosis {
  // The decisive lines joined by "; ", e.g. "invalid access to map value,
  // value_size=8 off=64 size=8; R1 min value is outside of the allowed memory range".
  std::string message;
  // The C source line the verifier was on ("x = v[i]; @ prog.c:12"), when the object
  // carries line info; lets the caller point at the statement that caused it.
  std::string source_line;
  int instruction = -1;  // index of the last instruction in the trace, -1 if none
  std::string hint;      // what usually fixes it, when the message is a known one
};

// Never fails: an empty or unrecognised log gives an empty message.
VerifierDiagnosis diagnose_verifier_log(std::string_view log);

}  // namespace sonde::bpf
