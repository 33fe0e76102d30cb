#include "tests/unit/sema/sema_fixture.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include <climits>

#include "compiler/parse/parser.h"
#include "compiler/sema/sema.h"
#include "tests/fixtures/kernel/fixture_kernel.h"

namespace sonde::sema {

// A fixed path, so that expected diagnostics (columns, carets) do not depend on where
// the build directory is: a symlink to this binary, replaced atomically.
std::string self_path() {
  static const std::string path = [] {
    const std::string link = "/tmp/sonde-sema-test.bin";
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return std::string("/proc/self/exe");
    std::string target(buf, static_cast<size_t>(n));
    std::string temp = fmt::format("{}.{}", link, getpid());
    if (symlink(target.c_str(), temp.c_str()) != 0 || rename(temp.c_str(), link.c_str()) != 0)
      return target;
    return link;
  }();
  return path;
}

std::string with_self(std::string text) {
  for (size_t at = text.find("{SELF}"); at != std::string::npos; at = text.find("{SELF}")) {
    text.replace(at, 6, self_path());
  }
  return text;
}

KernelInfo& shared_kernel() { return fixture::fixture_kernel(); }

KernelInfo& running_kernel() {
  static RunningKernel kernel;
  return kernel;
}

std::string Checker::check(const std::string& source) {
  std::string text = with_self(source);
  uint32_t file = sources_.add("<input>", text);
  program_ = std::make_unique<ast::Program>(parse::parse(sources_, file, diags_));
  if (!diags_.has_errors()) definitions_.add(*program_, sources_, diags_);
  if (!diags_.has_errors())
    result_ = sema::check(*program_, definitions_, kernel_, sources_, diags_, {});
  return diags_.render(sources_);
}

}  // namespace sonde::sema
