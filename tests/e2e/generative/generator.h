// Writes random sonde programs that should pass `sonde check`: type-directed, from the
// probes of a Catalog and the definitions of the stdlib. About one program in ten is
// broken on purpose (one statement of a known-wrong kind), to check that what sonde
// rejects is rejected with a located diagnostic.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "tests/e2e/generative/catalog.h"
#include "tests/e2e/generative/rng.h"

namespace sonde::gen {

struct GeneratedProgram {
  std::vector<std::string> definitions;  // span, event and alias definitions
  std::vector<std::string> statements;   // metric statements
  std::string invalid;  // empty when meant to be well-typed; else what was broken on purpose
  std::set<std::string> features;  // what it exercises ("probe:rawtracepoint", "decoder:ksym")

  std::string text() const;
  // The same program with only metric statement `i` (for reducing a failure).
  std::string text_with_only(size_t i) const;
};

// One aggregation form per row: adding a form to the generator is one line here (its
// name, whether it takes a value, and how to spell it with random parameters).
// A form marked `recent` is used only when `check` accepts a sample of it (the caller
// asks), so that the generator may list a form before every branch has it.
struct AggregationForm {
  const char* name;
  bool takes_value;
  std::string (*spell)(Rng& rng);
  bool recent = false;
};
std::span<const AggregationForm> aggregation_forms();

// What the stdlib defines, as the generator needs it (read from the compiler's parsed
// definitions by the caller, so that the generator follows the stdlib as it changes).
struct StdlibSpan {
  std::vector<std::string> words;  // "syscall", "$name"
  std::vector<std::string> end_probes;
  std::vector<std::string> labels;
};
struct StdlibEvent {
  std::string name;
  std::string probe;
};
struct StdlibAlias {
  std::string probe;  // may be a pattern
  std::string name;
  std::string field;  // the alias is this field (only such aliases are used)
};
struct Stdlib {
  std::vector<StdlibSpan> spans;
  std::vector<StdlibEvent> events;
  std::vector<StdlibAlias> aliases;
};

class Generator {
 public:
  // `forms`: the aggregation forms to use (of aggregation_forms()).
  Generator(Catalog& catalog, Stdlib stdlib, std::vector<const AggregationForm*> forms);
  GeneratedProgram generate(Rng& rng);

 private:
  Catalog& catalog_;
  Stdlib stdlib_;
  std::vector<const AggregationForm*> forms_;
};

}  // namespace sonde::gen
