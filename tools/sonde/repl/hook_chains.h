// The REPL's statements on one hook share one attachment (runtime/session/hook_chain.h):
// while a statement compiles, each of its programs on a hook that can be chained takes a
// slot in that hook's chain; once it compiled, new chains get their dispatcher, and the
// session is told which programs join a chain instead of attaching.
//
//   ChainedCompile chaining(compiler, chains);     // before compiler.compile()
//   auto c = compiler.compile(name, text);
//   chaining.finish(session_options);              // then Session::start
//
// Slots not handed to a session (the compile failed, the statement defines only) are
// given back when the ChainedCompile goes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "compiler/driver/compiler.h"
#include "runtime/session/hook_chain.h"
#include "runtime/session/session.h"
#include "support/result.h"

namespace sonde::repl {

class ChainedCompile {
 public:
  ChainedCompile(driver::Compiler& compiler, session::HookChains& chains);
  ~ChainedCompile();  // the compiler stops chaining
  ChainedCompile(const ChainedCompile&) = delete;
  ChainedCompile& operator=(const ChainedCompile&) = delete;

  // After a successful compile: compiles and loads the dispatchers of new chains, and
  // hands the slots to `options` (Options::chained).
  Status finish(session::Options& options);

 private:
  struct Reserved {
    std::string section;
    std::unique_ptr<session::ChainSlot> slot;
  };
  driver::Compiler& compiler_;
  std::map<std::string, Reserved> reserved_;  // by program
};

}  // namespace sonde::repl
