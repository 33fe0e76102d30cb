#include "tools/sonde/repl/hook_chains.h"

#include <fmt/format.h>

#include "compiler/lower/chain.h"

namespace sonde::repl {

ChainedCompile::ChainedCompile(driver::Compiler& compiler, session::HookChains& chains)
    : compiler_(compiler) {
  compiler_.set_chain(
      [this, &chains](const lower::ChainHook& hook) -> std::optional<lower::ChainSlot> {
        auto slot = chains.reserve(hook.key, hook.section, *hook.probe);
        lower::ChainSlot given{slot->index(), slot->slots()};
        reserved_[hook.program] = Reserved{hook.section, std::move(slot)};
        return given;
      });
}

ChainedCompile::~ChainedCompile() { compiler_.set_chain({}); }

Status ChainedCompile::finish(session::Options& options) {
  for (auto& [program, r] : reserved_) {
    if (r.slot->needs_dispatcher()) {
      auto elf = compiler_.compile_c(lower::dispatcher_c(r.section, r.slot->slots()));
      if (!elf) {
        return Error{fmt::format("the dispatcher of a hook did not compile; this is a bug in "
                                 "sonde:\n{}",
                                 elf.error().message),
                     ""};
      }
      if (auto st = r.slot->load_dispatcher(*elf); !st) return st.error();
    }
    options.chained[program] =
        session::Options::Chained{lower::chain_map_name(program), std::move(r.slot)};
  }
  reserved_.clear();
  return {};
}

}  // namespace sonde::repl
