#include "compiler/clang/plugin/emit_object.h"

#include <memory>
#include <string_view>
#include <utility>

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/raw_ostream.h>

namespace sonde::clang_bpf::plugin {
namespace {

std::string directory_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string file_name_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// What `clang -target bpf -mcpu=v3 -O2 -g -c` would pass to cc1, minus everything that
// looks at the real filesystem: no system or builtin include dirs, and a fixed
// compilation directory (DWARF would otherwise record the process's cwd).
std::vector<std::string> cc1_args(const sonde_cc_input& input) {
  std::vector<std::string> args = {
      "-triple",
      "bpf",
      "-target-cpu",
      "v3",
      "-emit-obj",
      "-O2",
      "-debug-info-kind=constructor",  // mandatory: .BTF (maps, CO-RE) comes from DWARF
      "-dwarf-version=5",
      "-fdebug-compilation-dir=" + directory_of(input.main_file),
      "-main-file-name",
      file_name_of(input.main_file),
      "-nostdsysteminc",
      "-nobuiltininc",
      "-fgnuc-version=4.2.1",  // as the driver does: headers test __GNUC__
      "-discard-value-names",
      "-ferror-limit",
      "20",
      "-fmessage-length=0",
  };
  for (size_t i = 0; i < input.include_dir_count; ++i) {
    args.push_back("-I");
    args.push_back(input.include_dirs[i]);
  }
  for (size_t i = 0; i < input.define_count; ++i)
    args.push_back(std::string("-D") + input.defines[i]);
  args.push_back("-x");
  args.push_back("c");
  args.push_back(input.main_file);
  return args;
}

llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> in_memory_files(
    const sonde_cc_input& input) {
  auto fs = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  fs->setCurrentWorkingDirectory("/");
  for (size_t i = 0; i < input.file_count; ++i) {
    const sonde_cc_file& file = input.files[i];
    fs->addFile(
        file.path, /*ModificationTime=*/0,
        llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(file.data, file.size), file.path));
  }
  return fs;
}

}  // namespace

EmitResult emit_object(const sonde_cc_input& input) {
  EmitResult result;
  llvm::raw_string_ostream diagnostics(result.diagnostics);

  std::vector<std::string> args = cc1_args(input);
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& arg : args) argv.push_back(arg.c_str());

  auto invocation = std::make_shared<clang::CompilerInvocation>();
  {
    // Diagnostics about the arguments themselves: ours, so an internal error.
    auto options = llvm::makeIntrusiveRefCnt<clang::DiagnosticOptions>();
    clang::TextDiagnosticPrinter printer(diagnostics, options.get());
    clang::DiagnosticsEngine engine(llvm::makeIntrusiveRefCnt<clang::DiagnosticIDs>(), options,
                                    &printer, /*ShouldOwnClient=*/false);
    if (!clang::CompilerInvocation::CreateFromArgs(*invocation, argv, engine, "sonde") ||
        engine.hasErrorOccurred()) {
      result.status = SONDE_CC_INTERNAL_ERROR;
      return result;
    }
  }

  clang::CompilerInstance compiler;
  compiler.setInvocation(std::move(invocation));
  compiler.createDiagnostics(
      new clang::TextDiagnosticPrinter(diagnostics, &compiler.getDiagnosticOpts()),
      /*ShouldOwnClient=*/true);
  compiler.createFileManager(in_memory_files(input));
  // ExecuteAction prints "N errors generated." here (stderr by default).
  compiler.setVerboseOutputStream(llvm::nulls());

  llvm::SmallVector<char, 0> object;
  compiler.setOutputStream(std::make_unique<llvm::raw_svector_ostream>(object));

  clang::EmitObjAction action;
  bool ok = compiler.ExecuteAction(action) && !compiler.getDiagnostics().hasErrorOccurred();
  diagnostics.flush();
  if (!ok) {
    result.status = SONDE_CC_COMPILE_ERROR;
    return result;
  }
  result.status = SONDE_CC_OK;
  result.object.assign(object.begin(), object.end());
  return result;
}

}  // namespace sonde::clang_bpf::plugin
