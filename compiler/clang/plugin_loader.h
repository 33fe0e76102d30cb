// Finding and loading libsonde-cc.so, the plugin that holds Clang and LLVM.
#pragma once

#include <string>

#include "compiler/clang/plugin_abi.h"
#include "support/result.h"

namespace sonde::clang_bpf {

// $SONDE_CC_PLUGIN if set; else libsonde-cc.so next to the running executable; else
// the build tree's copy (tests and uninstalled binaries live elsewhere in the tree).
Result<std::string> find_plugin();

struct Plugin {
  sonde_cc_compile_fn compile = nullptr;
};

// dlopen()s the plugin and returns its entry point. The library stays loaded for the
// life of the process: LLVM's static state does not support unloading.
Result<Plugin> load_plugin(const std::string& path);

// The plugin if preload() loaded it into this process, else one with a null entry.
Plugin preloaded_plugin();

}  // namespace sonde::clang_bpf
