// Decoders: finds the cache of a label's configuration, and on a miss runs the
// decoder the label names.
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "runtime/decode/block_op.h"
#include "runtime/decode/cgroup.h"
#include "runtime/decode/container.h"
#include "runtime/decode/decoder.h"
#include "runtime/decode/disk.h"
#include "runtime/decode/errno_name.h"
#include "runtime/decode/folded_stack.h"
#include "runtime/decode/inet.h"
#include "runtime/decode/kernel_symbols.h"
#include "runtime/decode/label_cache.h"
#include "runtime/decode/numeric.h"
#include "runtime/decode/string_label.h"
#include "runtime/decode/syscall.h"
#include "runtime/decode/user_symbols.h"

namespace sonde::decode {
namespace {

using spec::Decoder;

std::optional<ContainerField> container_field(Decoder d) {
  switch (d) {
    case Decoder::kContainer:
      return ContainerField::kContainer;
    case Decoder::kContainerId:
      return ContainerField::kContainerId;
    case Decoder::kImage:
      return ContainerField::kImage;
    case Decoder::kPod:
      return ContainerField::kPod;
    case Decoder::kPodUid:
      return ContainerField::kPodUid;
    case Decoder::kNamespace:
      return ContainerField::kNamespace;
    case Decoder::kUnit:
      return ContainerField::kUnit;
    default:
      return std::nullopt;
  }
}

bool is_container(Decoder d) { return container_field(d).has_value(); }

// Results that depend on state which changes while sonde runs: pids and comms come and
// go, stack ids are reused, cgroups are renamed, processes exec.
bool is_volatile(Decoder d) {
  switch (d) {
    case Decoder::kUnsigned:
    case Decoder::kSigned:
    case Decoder::kString:
    case Decoder::kKstack:
    case Decoder::kUsym:
    case Decoder::kUstack:
    case Decoder::kCgroup:
      return true;
    default:
      return is_container(d);  // the resolver keeps what outlives its cgroup (container.h)
  }
}

enum class Outcome {
  kDecoded,
  kFailed,         // shown numerically until forget_volatile()
  kFailedForNow,   // shown numerically, tried again on the next decode (a new cgroup)
  kDecodedForNow,  // shown, and tried again on the next decode (a name not known yet)
};

// A user address of a process that exited before anything of it was read: its load
// addresses are gone with it, and a bare address would look like a name that failed.
constexpr std::string_view kExited = "[exited]";

bool uses_pid(Decoder d) { return d == Decoder::kUsym || d == Decoder::kUstack; }

bool same_config(const spec::Label& a, const spec::Label& b) {
  return a.decoder == b.decoder && a.offset == b.offset && a.size == b.size &&
         a.pid_offset == b.pid_offset && a.aux_map == b.aux_map && a.binary == b.binary &&
         a.enum_names.size() == b.enum_names.size() &&
         std::equal(a.enum_names.begin(), a.enum_names.end(), b.enum_names.begin(),
                    [](const spec::EnumName& x, const spec::EnumName& y) {
                      return x.value == y.value && x.name == y.name;
                    });
}

// Labels that decode the same bytes the same way share a cache (the offset and the
// label's name do not change the result).
std::string fingerprint(const spec::Label& l) {
  std::string out =
      fmt::format("{}/{}/{}/{}:{}/{}:{}", static_cast<int>(l.decoder), l.size, l.pid_offset >= 0,
                  l.aux_map.size(), l.aux_map, l.binary.size(), l.binary);
  for (const auto& e : l.enum_names)
    out += fmt::format("/{}={}:{}", e.value, e.name.size(), e.name);
  return out;
}

}  // namespace

struct Decoders::Impl {
  struct Bound {
    spec::Label config;  // to notice a new label at a reused address
    LabelCache* cache;
    bool volatile_results;
  };

  struct Recent {
    const spec::Label* label = nullptr;
    Bound* bound = nullptr;
  };

  StackReader stacks;
  DecodeStats stats;
  std::unordered_map<const spec::Label*, Bound> bound;  // values never move
  std::array<Recent, 16> recent;  // direct-mapped: a scrape cycles through a few labels
  std::unordered_map<std::string, std::unique_ptr<LabelCache>> caches;
  std::optional<KernelSymbols> ksyms;
  bool ksyms_tried = false;
  UserSymbols usyms;
  std::optional<CgroupPaths> cgroups;
  std::optional<ContainerResolver> containers;
  const std::string invalid = "invalid";

  Bound& bind(const spec::Label& label) {
    auto slot = (reinterpret_cast<uintptr_t>(&label) * 0x9e3779b97f4a7c15ull) >> 60;
    Recent& r = recent[slot % recent.size()];
    if (r.label == &label && same_config(r.bound->config, label)) return *r.bound;
    auto it = bound.find(&label);
    if (it == bound.end() || !same_config(it->second.config, label)) {
      auto& cache = caches[fingerprint(label)];
      if (!cache) cache = std::make_unique<LabelCache>();
      Bound b{label, cache.get(), is_volatile(label.decoder)};
      it = bound.insert_or_assign(&label, std::move(b)).first;
    }
    r = {&label, &it->second};
    return it->second;
  }

  // Loaded on first use rather than at startup: most programs never need it.
  const KernelSymbols* kernel_symbols() {
    if (!ksyms_tried) {
      ksyms_tried = true;
      if (auto loaded = KernelSymbols::load()) ksyms = std::move(*loaded);
    }
    return ksyms ? &*ksyms : nullptr;
  }

  std::string ksym_or_hex(uint64_t addr, uint64_t lookup) {
    const KernelSymbols* table = kernel_symbols();
    std::string_view name = table ? table->lookup(lookup) : std::string_view();
    return name.empty() ? fmt::format("0x{:x}", addr) : std::string(name);
  }

  bool decode_ksym(Bytes value, std::string& out) {
    auto addr = read_unsigned(value);
    const KernelSymbols* table = addr && *addr ? kernel_symbols() : nullptr;
    std::string_view name = table ? table->lookup(*addr) : std::string_view();
    if (name.empty()) {
      out = hex_fallback(value);
      return false;
    }
    out = name;
    return true;
  }

  bool decode_usym(Bytes value, int pid, const std::string& binary, std::string& out) {
    auto addr = read_unsigned(value);
    auto name = addr && *addr ? usyms.lookup(pid, *addr, binary) : std::nullopt;
    if (!name) {
      out = addr && *addr && usyms.exited(pid, *addr) ? std::string(kExited) : hex_fallback(value);
      return false;
    }
    out = std::move(*name);
    return true;
  }

  Outcome decode_cgroup(Bytes value, std::string& out) {
    auto id = read_unsigned(value);
    if (!id) {
      out = hex_fallback(value);
      return Outcome::kFailed;
    }
    if (!cgroups) cgroups.emplace();
    CgroupLookup found = cgroups->lookup(*id);
    if (!found.path) {
      out = fmt::format("{}", *id);
      return found.final ? Outcome::kFailed : Outcome::kFailedForNow;
    }
    out = std::move(*found.path);
    return Outcome::kDecoded;
  }

  Outcome decode_container(ContainerField field, Bytes value, std::string& out) {
    auto id = read_unsigned(value);
    if (!id) {
      out = hex_fallback(value);
      return Outcome::kFailed;
    }
    if (!cgroups) cgroups.emplace();
    if (!containers) containers.emplace();
    ContainerResolver::Lookup found = containers->lookup(*id, *cgroups);
    if (!found.info) {
      out = fmt::format("{}", *id);
      return found.final ? Outcome::kFailed : Outcome::kFailedForNow;
    }
    out = field_of(*found.info, field);
    return found.complete ? Outcome::kDecoded : Outcome::kDecodedForNow;
  }

  Outcome run(const spec::Label& label, Bytes value, int pid, std::string& out) {
    if (label.decoder == Decoder::kCgroup) return decode_cgroup(value, out);
    if (auto field = container_field(label.decoder)) return decode_container(*field, value, out);
    return run_final(label, value, pid, out) ? Outcome::kDecoded : Outcome::kFailed;
  }

  // Decoders whose failures are final until forget_volatile().
  bool run_final(const spec::Label& label, Bytes value, int pid, std::string& out) {
    switch (label.decoder) {
      case Decoder::kUnsigned:
        return decode_unsigned(value, out);
      case Decoder::kSigned:
        return decode_signed(value, out);
      case Decoder::kString:
        return decode_string(value, out);
      case Decoder::kKsym:
        return decode_ksym(value, out);
      case Decoder::kKstack:
        return decode_stack(
            value, label.aux_map, stacks,
            [this](uint64_t addr, uint64_t lookup) { return ksym_or_hex(addr, lookup); },
            "[no kernel stack]", out);
      case Decoder::kUsym:
        return decode_usym(value, pid, label.binary, out);
      case Decoder::kUstack:
        return decode_stack(
            value, label.aux_map, stacks,
            [&](uint64_t addr, uint64_t lookup) {
              auto name = usyms.lookup(pid, lookup, label.binary);
              if (name) return std::move(*name);
              return usyms.exited(pid, lookup) ? std::string(kExited) : fmt::format("0x{:x}", addr);
            },
            "[no user stack]", out);
      case Decoder::kSyscall:
        return decode_syscall(value, out);
      case Decoder::kErrno:
        return decode_errno(value, out);
      case Decoder::kInet:
        return decode_inet(value, out);
      case Decoder::kDisk:
        return decode_disk(value, out);
      case Decoder::kBlockOp:
        return decode_block_op(value, out);
      case Decoder::kCgroup:
      case Decoder::kContainer:
      case Decoder::kContainerId:
      case Decoder::kImage:
      case Decoder::kPod:
      case Decoder::kPodUid:
      case Decoder::kNamespace:
      case Decoder::kUnit:
        break;  // run() handles them
      case Decoder::kEnum:
        return decode_enum(value, label.enum_names, out);
      case Decoder::kBool:
        return decode_bool(value, out);
    }
    out = hex_fallback(value);
    return false;
  }

  const std::string& decode(const spec::Label& label, Bytes key) {
    if (label.offset > key.size() || label.size > key.size() - label.offset) {
      ++stats.errors;
      return invalid;
    }
    Bound& b = bind(label);
    Bytes value = key.subspan(label.offset, label.size);

    // Per-process decoders are keyed by the value and the tgid together.
    int pid = -1;
    std::array<uint8_t, 16> joined;
    Bytes raw = value;
    if (uses_pid(label.decoder) && label.pid_offset >= 0 &&
        static_cast<size_t>(label.pid_offset) + 4 <= key.size() &&
        value.size() + 4 <= joined.size()) {
      uint32_t tgid;
      std::memcpy(&tgid, key.data() + label.pid_offset, 4);
      pid = static_cast<int>(tgid);
      std::memcpy(joined.data(), value.data(), value.size());
      std::memcpy(joined.data() + value.size(), &tgid, 4);
      raw = Bytes(joined.data(), value.size() + 4);
    }

    LabelCache::Entry* entry = b.cache->find(raw);
    if (entry && !entry->retry) {
      ++stats.cache_hits;
      return entry->text;
    }
    ++stats.cache_misses;
    std::string text;
    Outcome outcome = run(label, value, pid, text);
    if (outcome != Outcome::kDecoded && outcome != Outcome::kDecodedForNow) ++stats.errors;
    bool retry = outcome == Outcome::kFailedForNow || outcome == Outcome::kDecodedForNow;
    if (entry) {
      entry->text = std::move(text);
      entry->retry = retry;
      return entry->text;
    }
    return b.cache->insert(raw, {std::move(text), retry}).text;
  }

  void forget_volatile() {
    for (auto& [label, b] : bound) {
      if (b.volatile_results) b.cache->clear();
    }
    usyms.forget_processes();
    if (cgroups) cgroups->mark_stale();
    if (containers) containers->sweep();
  }
};

Decoders::Decoders(StackReader stacks) : impl_(std::make_unique<Impl>()) {
  impl_->stacks = std::move(stacks);
}

Decoders::~Decoders() = default;

const std::string& Decoders::decode(const spec::Label& label, std::span<const uint8_t> key) {
  return impl_->decode(label, key);
}

void Decoders::decode_to(const spec::Label& label, std::span<const uint8_t> key, std::string& out) {
  const bool integer = label.decoder == Decoder::kUnsigned || label.decoder == Decoder::kSigned;
  if (!integer || label.offset > key.size() || label.size > key.size() - label.offset) {
    out = impl_->decode(label, key);
    return;
  }
  Bytes value = key.subspan(label.offset, label.size);
  bool ok =
      label.decoder == Decoder::kUnsigned ? decode_unsigned(value, out) : decode_signed(value, out);
  if (!ok) ++impl_->stats.errors;
}

void Decoders::forget_volatile() { impl_->forget_volatile(); }

const DecodeStats& Decoders::stats() const { return impl_->stats; }

}  // namespace sonde::decode
