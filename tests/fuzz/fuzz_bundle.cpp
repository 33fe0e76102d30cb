// libFuzzer target: bytes in, as sonde-agent reads a bundle: the container and the
// program specifications (runtime/spec), then each program's BPF object as the agent's
// own BTF reader takes it apart (runtime/btf) before anything reaches libbpf.
// The checksum would stop almost every mutation at the door, so the input's size and
// CRC fields are set right first (the raw bytes are decoded too, for the door itself).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "format/elf.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/btf/raw_btf.h"
#include "runtime/btf/relocation_btf.h"
#include "runtime/spec/bundle.h"

namespace {

using namespace sonde;

void put_le(std::vector<uint8_t>& bytes, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// The running kernel's BTF, when there is one: relocation_types() reads it for objects.
struct Kernel {
  std::shared_ptr<const btf::KernelBtf> file;
  const btf::RawBtf* btf = nullptr;
  Kernel() {
    if (auto opened = btf::KernelBtf::open()) file = std::move(opened.value());
    if (file && file->types()) btf = &file->types().value();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Kernel kernel;
  (void)spec::decode_bundle({data, size});

  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 32) {
    put_le(bytes, 16, bytes.size(), 8);
    put_le(bytes, 12, spec::crc32(std::span<const uint8_t>(bytes).subspan(16)), 4);
  }
  auto bundle = spec::decode_bundle(bytes);
  if (!bundle) return 0;

  // What decodes must encode to something that decodes to the same.
  std::vector<uint8_t> again = spec::encode_bundle(*bundle);
  auto round = spec::decode_bundle(again);
  if (!round || spec::encode_bundle(*round) != again) __builtin_trap();

  for (const auto& program : bundle->programs) {
    if (auto section = format::elf_section_bytes(program.object, ".BTF"))
      (void)btf::RawBtf::parse(*section);
    auto relocations = btf::core_relocations(program.object);
    if (relocations && kernel.btf) (void)btf::relocation_types(*relocations, *kernel.btf);
  }
  return 0;
}
