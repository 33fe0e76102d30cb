#include "runtime/bpf/validate_object.h"

#include <fmt/format.h>

#include "runtime/bpf/object.h"
#include "runtime/spec/validate.h"

namespace sonde::bpf {

Status validate_program(const spec::Program& program, std::string_view where) {
  if (auto st = spec::validate_program(program, where); !st) return st;
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
