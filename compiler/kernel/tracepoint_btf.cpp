#include "compiler/kernel/tracepoint_btf.h"

#include <string>

namespace sonde::kernel {
namespace {

constexpr std::string_view kRecordPrefix = "trace_event_raw_";

std::string member_name(const TracepointField& f) {
  if (f.kind == FieldKind::kDataLoc || f.kind == FieldKind::kDataLocArray) {
    return (f.relative_loc ? "__rel_loc_" : "__data_loc_") + f.name;
  }
  return f.name;
}

// The record header (`struct trace_entry ent`) and the trailing `char __data[]` are
// in every record struct but in no format's non-common fields.
bool is_framing(std::string_view member) { return member == "ent" || member == "__data"; }

bool matches(const Btf& btf, uint32_t id, const TracepointFormat& format,
             const std::vector<std::string>& names) {
  std::vector<Member> members = btf.members(id);
  size_t own = 0;
  for (const Member& m : members) own += !is_framing(m.name);
  if (own != names.size()) return false;
  size_t i = 0;
  for (const TracepointField& f : format.fields) {
    if (f.common) continue;
    const std::string& want = names[i++];
    bool found = false;
    for (const Member& m : members) {
      if (m.name == want) {
        found = m.bit_offset == f.offset * 8;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::optional<uint32_t> tracepoint_record_struct(const Btf& btf, const TracepointFormat& format) {
  std::vector<std::string> names;
  for (const TracepointField& f : format.fields) {
    if (!f.common) names.push_back(member_name(f));
  }
  std::string own_name = std::string(kRecordPrefix) + format.name;
  std::optional<uint32_t> own = btf.find(own_name, TypeKind::kStruct);
  if (own && matches(btf, *own, format, names)) return own;
  // A DEFINE_EVENT: the class's struct. Only a few hundred names carry the prefix,
  // and the member count rules out most of them before any member is read.
  for (uint32_t id : btf.ids_with_prefix(TypeKind::kStruct, kRecordPrefix)) {
    if (own && id == *own) continue;
    if (btf.type(id).vlen < names.size()) continue;
    if (matches(btf, id, format, names)) return id;
  }
  return std::nullopt;
}

std::optional<Member> tracepoint_record_member(const Btf& btf, uint32_t record_struct,
                                               const TracepointField& field) {
  return btf.find_member(record_struct, member_name(field));
}

std::optional<std::vector<Param>> btf_tracepoint_params(const Btf& btf, std::string_view name) {
  std::optional<uint32_t> typedef_id =
      btf.find(std::string("btf_trace_") + std::string(name), TypeKind::kTypedef);
  if (!typedef_id) return std::nullopt;
  Type pointer = btf.type(btf.resolve(*typedef_id));
  if (pointer.kind != TypeKind::kPointer) return std::nullopt;
  uint32_t proto = btf.resolve(pointer.ref);
  if (btf.type(proto).kind != TypeKind::kFunctionProto) return std::nullopt;
  std::vector<Param> params = btf.params(proto);
  // The first parameter is the probe's `void *__data`, not an argument of the event.
  if (params.empty()) return std::nullopt;
  Type first = btf.type(btf.resolve(params[0].type));
  if (first.kind != TypeKind::kPointer || btf.resolve(first.ref) != 0) return std::nullopt;

  for (std::string_view prefix : {"__probestub_", "__bpf_trace_"}) {
    std::optional<uint32_t> func =
        btf.find(std::string(prefix) + std::string(name), TypeKind::kFunction);
    if (!func) continue;
    std::vector<Param> named = btf.params(*func);
    bool same = named.size() == params.size();
    for (size_t i = 0; same && i < params.size(); ++i) same = named[i].type == params[i].type;
    if (same) {
      params = std::move(named);
      break;
    }
  }
  params.erase(params.begin());
  return params;
}

}  // namespace sonde::kernel
