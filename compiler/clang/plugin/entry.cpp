// The plugin's only exported symbol: the C ABI of plugin_abi.h over emit_object().
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <llvm/Support/ErrorHandling.h>

#include "compiler/clang/plugin/emit_object.h"
#include "compiler/clang/plugin_abi.h"

extern "C" {
void LLVMInitializeBPFTargetInfo();
void LLVMInitializeBPFTarget();
void LLVMInitializeBPFTargetMC();
void LLVMInitializeBPFAsmPrinter();
void LLVMInitializeBPFAsmParser();
}

namespace {

void initialize_bpf_target() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
    LLVMInitializeBPFAsmParser();  // inline asm in object output needs the parser
  });
}

template <typename T>
T* malloc_copy(const void* data, size_t size) {
  // malloc(0) may return NULL; the caller only needs a pointer it can free().
  auto* copy = static_cast<T*>(std::malloc(size + 1));
  if (copy == nullptr) return nullptr;
  if (size > 0) std::memcpy(copy, data, size);
  return copy;
}

void set_diagnostics(sonde_cc_output* output, const std::string& text) {
  char* copy = malloc_copy<char>(text.data(), text.size());
  if (copy != nullptr) copy[text.size()] = '\0';
  output->diagnostics = copy;
  output->diagnostics_size = copy != nullptr ? text.size() : 0;
}

struct FatalErrorHandler {
  void (*callback)(void*, const char*);
  void* context;
};

void on_llvm_fatal_error(void* user_data, const char* reason, bool /*gen_crash_diag*/) {
  auto* handler = static_cast<FatalErrorHandler*>(user_data);
  handler->callback(handler->context, reason);
  std::abort();  // the callback must not return; if it does, die loudly
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int sonde_cc_compile(uint32_t abi_version,
                                                                       const sonde_cc_input* input,
                                                                       sonde_cc_output* output) {
  *output = sonde_cc_output{};
  if (abi_version != SONDE_CC_ABI_VERSION) {
    set_diagnostics(output, "libsonde-cc.so implements compiler ABI version " +
                                std::to_string(SONDE_CC_ABI_VERSION) + ", the caller wants " +
                                std::to_string(abi_version));
    return SONDE_CC_INTERNAL_ERROR;
  }
  initialize_bpf_target();

  FatalErrorHandler handler{input->on_fatal_error, input->fatal_error_context};
  if (handler.callback != nullptr) llvm::install_fatal_error_handler(on_llvm_fatal_error, &handler);
  sonde::clang_bpf::plugin::EmitResult result = sonde::clang_bpf::plugin::emit_object(*input);
  if (handler.callback != nullptr) llvm::remove_fatal_error_handler();

  set_diagnostics(output, result.diagnostics);
  if (result.status == SONDE_CC_OK) {
    output->object = malloc_copy<uint8_t>(result.object.data(), result.object.size());
    if (output->object == nullptr) {
      set_diagnostics(output, "out of memory copying the compiled object");
      return SONDE_CC_INTERNAL_ERROR;
    }
    output->object_size = result.object.size();
  }
  return result.status;
}
