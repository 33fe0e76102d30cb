#include "compiler/clang/plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "compiler/clang/compile.h"

namespace sonde::clang_bpf {
namespace {

std::atomic<sonde_cc_compile_fn> preloaded_entry{nullptr};

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

std::string executable_dir() {
  char path[PATH_MAX];
  ssize_t size = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (size <= 0) return ".";
  std::string exe(path, static_cast<size_t>(size));
  auto slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

}  // namespace

Result<std::string> find_plugin() {
  if (const char* env = std::getenv("SONDE_CC_PLUGIN"); env != nullptr && *env != '\0') {
    if (readable(env)) return std::string(env);
    return Error{fmt::format("SONDE_CC_PLUGIN names {}, which cannot be read: {}", env,
                             std::strerror(errno)),
                 "unset SONDE_CC_PLUGIN to use the " SONDE_CC_PLUGIN_NAME
                 " installed next to sonde"};
  }
  std::string dir = executable_dir();
  std::string next_to_exe = dir + "/" SONDE_CC_PLUGIN_NAME;
  if (readable(next_to_exe)) return next_to_exe;
#ifdef SONDE_CC_PLUGIN_DEFAULT
  if (readable(SONDE_CC_PLUGIN_DEFAULT)) return std::string(SONDE_CC_PLUGIN_DEFAULT);
#endif
  return Error{fmt::format("sonde's compiler plugin " SONDE_CC_PLUGIN_NAME
                           " was not found next to the executable (in {})",
                           dir),
               "reinstall sonde so that " SONDE_CC_PLUGIN_NAME
               " sits next to it, or set SONDE_CC_PLUGIN to its path"};
}

Result<Plugin> load_plugin(const std::string& path) {
  // Never dlclose()d, see the header; RTLD_LOCAL keeps LLVM's symbols out of the
  // process's global scope.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Error{fmt::format("cannot load sonde's compiler plugin: {}", ::dlerror()),
                 "reinstall sonde, or set SONDE_CC_PLUGIN to a working " SONDE_CC_PLUGIN_NAME};
  }
  void* entry = ::dlsym(handle, SONDE_CC_ENTRY);
  if (entry == nullptr) {
    return Error{
        fmt::format("{} is not sonde's compiler plugin: it has no {} symbol", path, SONDE_CC_ENTRY),
        "reinstall sonde, or set SONDE_CC_PLUGIN to a working " SONDE_CC_PLUGIN_NAME};
  }
  return Plugin{reinterpret_cast<sonde_cc_compile_fn>(entry)};
}

Plugin preloaded_plugin() { return Plugin{preloaded_entry.load(std::memory_order_acquire)}; }

bool preloaded() { return preloaded_plugin().compile != nullptr; }

Status preload() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (preloaded_plugin().compile != nullptr) return {};
  Result<std::string> path = find_plugin();
  if (!path) return path.error();
  Result<Plugin> plugin = load_plugin(*path);
  if (!plugin) return plugin.error();
  preloaded_entry.store(plugin->compile, std::memory_order_release);
  return {};
}

}  // namespace sonde::clang_bpf
