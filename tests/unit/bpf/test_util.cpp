#include "tests/unit/bpf/test_util.h"

#include <bpf/btf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <iterator>
#include <memory>

namespace sonde::bpf::testing {

std::vector<uint8_t> read_object(const std::string& name) {
  std::ifstream in(std::string(BPF_TEST_OBJECTS) + "/" + name + ".bpf.o", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

spec::Probe probe(std::string program, spec::AttachKind kind, std::string target,
                  std::string display) {
  spec::Probe out;
  out.program = std::move(program);
  out.kind = kind;
  out.target = std::move(target);
  out.display = std::move(display);
  return out;
}

Result<Object> open_for_this_process(const std::string& name,
                                     std::span<const uint8_t> relocation_btf) {
  std::vector<uint8_t> elf = read_object(name);
  if (elf.empty()) return Error{"test object " + name + ".bpf.o is missing", ""};
  Result<Object> object = Object::open(elf, name, relocation_btf);
  if (!object.ok()) return object;
  uint32_t tgid = static_cast<uint32_t>(getpid());
  Status set = object->set_constant("target_tgid", bytes(tgid));
  if (!set.ok()) return set.error();
  return object;
}

void call_getpid(int times) {
  for (int i = 0; i < times; ++i) syscall(SYS_getpid);
}

uint64_t slot(const Map& map, uint32_t index) {
  std::vector<uint8_t> values(map.value_bytes());
  if (!map.lookup_slot(index, values).ok()) return UINT64_MAX;
  uint64_t sum = 0;
  size_t stride = map.info().per_cpu ? (map.info().value_size + 7) / 8 * 8 : 8;
  for (uint32_t cpu = 0; cpu < map.cpus(); ++cpu) {
    uint64_t v;
    std::memcpy(&v, values.data() + cpu * stride, sizeof(v));
    sum += v;
  }
  return sum;
}

namespace {

struct FreeBtf {
  void operator()(btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, FreeBtf>;

}  // namespace

Field kernel_field(const char* struct_name, const char* field) {
  BtfPtr vmlinux(btf__load_vmlinux_btf());
  if (!vmlinux) return {};
  int id = btf__find_by_name_kind(vmlinux.get(), struct_name, BTF_KIND_STRUCT);
  if (id < 0) return {};
  const btf_type* type = btf__type_by_id(vmlinux.get(), static_cast<uint32_t>(id));
  const btf_member* members = btf_members(type);
  for (uint16_t i = 0; i < btf_vlen(type); ++i) {
    if (std::string_view(btf__name_by_offset(vmlinux.get(), members[i].name_off)) == field) {
      return {type->size, btf_member_bit_offset(type, i)};
    }
  }
  return {};
}

std::vector<uint8_t> relocation_blob(const char* struct_name, const char* field, Field where) {
  BtfPtr b(btf__new_empty());
  int int_id = btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED);
  btf__add_struct(b.get(), struct_name, where.struct_size);
  btf__add_field(b.get(), field, int_id, where.bit_offset, 0);
  uint32_t size = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(b.get(), &size));
  return {raw, raw + size};
}

std::string self_exe() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

}  // namespace sonde::bpf::testing
