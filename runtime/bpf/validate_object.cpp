#include "runtime/bpf/validate_object.h"

#include <fmt/format.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>

#include "runtime/bpf/object.h"
#include "runtime/spec/validate.h"

namespace sonde::bpf {

Status validate_program(const spec::Program& program, std::string_view where) {
  if (auto st = spec::validate_program(program, where); !st) return st;
  // libbpf 1.1 trusts the ELF and BTF it parses, and a damaged object crashed it (found
  // by fuzz_bundle_fields): it is read first in a child that may die in its place.
  if (pid_t child = fork(); child == 0) {
    _exit(Object::open(program.object, "sonde_check") ? 0 : 3);  // 3: refused, said below
  } else if (child > 0) {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    const bool read = WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);
    if (!read)
      return Error{spec::printable(fmt::format(
                       "invalid bundle: {}: object: libbpf could not read it (it {} {})", where,
                       WIFSIGNALED(status) ? "died of signal" : "exited with",
                       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status))),
                   "the object is damaged: rebuild the bundle with `sonde build`"};
  }
  auto object = Object::open(program.object, "sonde_check");
  if (!object)
    return Error{
        spec::printable(fmt::format("invalid bundle: {}: {}", where, object.error().message)),
        object.error().hint};
  spec::ObjectFacts facts;
  for (const auto& m : object->declared_maps())
    facts.maps.push_back({m.name, m.type, m.key_size, m.value_size, m.max_entries});
  for (const auto& probe : program.probes) {
    if (object->has_program(probe.program)) facts.programs.push_back(probe.program);
  }
  return spec::validate_program(program, facts, where);
}

}  // namespace sonde::bpf
