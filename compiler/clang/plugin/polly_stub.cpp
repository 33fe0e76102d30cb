// Debian's libclangCodeGen.a is built with Polly linked into the tools, so it calls
// getPollyPluginInfo().RegisterPassBuilderCallbacks(...) on every compile, but Polly is
// not shipped as a static library. An empty plugin that registers nothing fills in.
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/PassPlugin.h>

llvm::PassPluginLibraryInfo getPollyPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "Polly (not linked into sonde)", "0", [](llvm::PassBuilder&) {}};
}
