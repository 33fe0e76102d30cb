// The table of lowering contracts: one row per program, checked on the fixture kernel by
// contract_test.cpp (spec and C) and compile_test.cpp (the C compiles). Add a row to pin
// a decision; change a row when a decision changes on purpose.
#pragma once

#include <string>
#include <vector>

namespace sonde::lower {

struct Row {
  const char* name;    // the test's name: letters, digits, underscores
  const char* source;  // a program; "{SELF}" is this test binary (uprobes, USDT)
  // Lines of spec_lines() the spec must hold: the first two words name the record
  // ("metric sonde_x_total", "label sonde_x_total.comm", "probe sonde_s0_p0"); the
  // fields given must match, fields left out are not checked.
  std::vector<std::string> spec = {};
  // Fragments of the generated C, in the order they must appear.
  std::vector<std::string> c = {};
  // Fragments that must appear nowhere in the C.
  std::vector<std::string> c_absent = {};
  // Fragments of the rendered diagnostics. Empty: the program must check with no
  // diagnostics and measure something. Otherwise each must appear, and a row without
  // `spec` and `c` expects the program to be rejected.
  std::vector<std::string> diagnostics = {};
  // A known bug: the row states the right behaviour and is skipped, loudly, while it
  // fails; once it passes, the test fails until this is removed.
  const char* disabled = nullptr;
};

const std::vector<Row>& contract_rows();

// This test binary's path, and `text` with "{SELF}" replaced by it.
std::string self_path();
std::string with_self(std::string text);

}  // namespace sonde::lower
