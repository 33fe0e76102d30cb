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
    // From a cgroup id: the container, pod and systemd unit behind it (docs/containers.md).
    {"container", Decoder::kContainer, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into container names"},
    {"container_id", Decoder::kContainerId, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into container ids"},
    {"image", Decoder::kImage, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into container images"},
    {"pod", Decoder::kPod, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into pod names"},
    {"pod_uid", Decoder::kPodUid, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into pod UIDs"},
    {"namespace", Decoder::kNamespace, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into Kubernetes namespaces"},
    {"unit", Decoder::kUnit, DecoderInput::kCgroupId, LabelNaming::kCall,
     "turns cgroup ids into systemd units"},
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
