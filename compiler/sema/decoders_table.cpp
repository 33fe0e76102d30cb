#include "compiler/sema/decoders_table.h"

namespace sonde::sema {
namespace {

using spec::Decoder;

constexpr DecoderInfo kDecoders[] = {
    {"ksym", Decoder::kKsym, DecoderInput::kNumber, LabelNaming::kArgument,
     "turns kernel addresses into function names"},
    {"usym", Decoder::kUsym, DecoderInput::kNumber, LabelNaming::kArgument,
     "turns user addresses into function names"},
    {"syscall", Decoder::kSyscall, DecoderInput::kNumber, LabelNaming::kCall,
     "turns syscall numbers into names"},
    {"errno", Decoder::kErrno, DecoderInput::kNumber, LabelNaming::kCall,
     "turns error numbers into names"},
    {"ntop", Decoder::kInet, DecoderInput::kAddress, LabelNaming::kArgument,
     "turns IP addresses into text"},
    {"disk", Decoder::kDisk, DecoderInput::kNumber, LabelNaming::kCall,
     "turns device numbers into disk names"},
    {"cgroup", Decoder::kCgroup, DecoderInput::kNumber, LabelNaming::kCall,
     "turns cgroup ids into paths"},
};

}  // namespace

std::span<const DecoderInfo> decoders() { return kDecoders; }

const DecoderInfo* find_decoder(std::string_view name) {
  for (const auto& d : kDecoders) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

}  // namespace sonde::sema
