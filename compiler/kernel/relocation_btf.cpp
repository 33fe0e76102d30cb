// The raw BTF subset libbpf relocates the program's CO-RE accesses against, instead
// of parsing the whole vmlinux BTF (~34 ms) at load.
//
// libbpf matches a local struct to a target struct by name (ignoring the local
// "___suffix"), then each accessed member by name, and checks the member types are
// compatible: any two structs/unions, any two pointers, ints with each other, arrays
// by their element types, enums only with enums of the same name. So members keep
// the kernel's real bit offsets and struct sizes, but their types are reduced the
// same way the C declarations were: integers and floats become INTs of their size and
// signedness, enums ENUMs of their size without enumerators, pointers point at a
// struct we describe or at void, arrays keep their lengths.
#include <linux/btf.h>

#include <map>
#include <string>
#include <tuple>

#include "compiler/kernel/btf.h"
#include "compiler/kernel/btf_writer.h"
#include "compiler/kernel/type_emitter_impl.h"

namespace sonde::kernel {
namespace {

std::string_view int_btf_name(const IntSpelling& s) {
  if (s.is_char && s.size == 1) return "char";
  switch (s.size) {
    case 1:
      return s.is_signed ? "signed char" : "unsigned char";
    case 2:
      return s.is_signed ? "short" : "unsigned short";
    case 4:
      return s.is_signed ? "int" : "unsigned int";
    case 8:
      return s.is_signed ? "long long" : "unsigned long long";
    case 16:
      return s.is_signed ? "__int128" : "unsigned __int128";
    default:
      return "";
  }
}

class SubsetWriter {
 public:
  SubsetWriter(const TypeEmitter::Impl& emitter) : e_(emitter) {}

  std::vector<uint8_t> write() {
    // Ids for every struct first, so members can point at structs defined later.
    for (uint32_t id : e_.order) {
      const Composite& c = e_.composites.at(id);
      structs_[id] = e_.btf->type(id).kind == TypeKind::kForward
                         ? w_.add_forward(c.kernel_name, c.is_union)
                         : w_.add_struct(c.kernel_name, c.size, c.is_union);
    }
    // The typedefs naming anonymous roots (guid_t): what libbpf looks a root up by.
    for (uint32_t id : e_.order) {
      const Composite& c = e_.composites.at(id);
      if (!c.typedef_name.empty()) w_.add_reference(BTF_KIND_TYPEDEF, c.typedef_name, structs_[id]);
    }
    for (uint32_t id : e_.order) {
      for (const RecordedMember& m : e_.composites.at(id).members) {
        w_.add_member(structs_[id], m.name, type_for(m.type, 0), m.bit_offset, m.bitfield_size);
      }
    }
    return w_.finish();
  }

 private:
  uint32_t int_type(const IntSpelling& s) {
    auto key = std::make_tuple(s.size, s.is_signed, s.is_char);
    auto it = ints_.find(key);
    if (it != ints_.end()) return it->second;
    std::string_view name = int_btf_name(s);
    uint32_t id = w_.add_int(name.empty() ? "unsigned char" : name, s.size, s.is_signed, s.is_char);
    ints_[key] = id;
    return id;
  }

  uint32_t enum_type(std::string_view name, const IntSpelling& s) {
    auto key = std::make_tuple(std::string(name), s.size, s.is_signed);
    auto it = enums_.find(key);
    if (it != enums_.end()) return it->second;
    uint32_t id = w_.add_enum(name, s.size, s.is_signed);
    enums_[key] = id;
    return id;
  }

  uint32_t pointer_to(uint32_t target) {
    auto [it, inserted] = pointers_.try_emplace(target, 0);
    if (inserted) it->second = w_.add_pointer(target);
    return it->second;
  }

  // The subset's type for a kernel member type, mirroring TypeEmitter::Impl::declare.
  uint32_t type_for(uint32_t kernel_id, int depth) {
    const Btf& btf = *e_.btf;
    uint32_t id = btf.resolve(kernel_id);
    Type t = btf.type(id);
    switch (t.kind) {
      case TypeKind::kVoid:
        return 0;
      case TypeKind::kEnum: {  // declared as an anonymous enum of this size
        IntSpelling s = int_spelling(t);
        if (int_btf_name(s).empty()) return array_of(int_type({1, false, false}), t.size);
        return enum_type(t.name, s);
      }
      case TypeKind::kInt:
      case TypeKind::kFloat: {
        IntSpelling s = int_spelling(t);
        if (!int_btf_name(s).empty()) return int_type(s);
        // Declared in C as a byte array.
        return array_of(int_type({1, false, false}), t.size);
      }
      case TypeKind::kPointer: {
        uint32_t pointee = btf.resolve(t.ref);
        auto it = structs_.find(pointee);
        if (it == structs_.end() && btf.type(pointee).kind == TypeKind::kForward) {
          Type fwd = btf.type(pointee);
          if (auto full =
                  btf.find(fwd.name, fwd.kind_flag ? TypeKind::kUnion : TypeKind::kStruct)) {
            it = structs_.find(*full);
          }
        }
        return pointer_to(it == structs_.end() ? 0 : it->second);
      }
      case TypeKind::kArray:
        if (depth > 32) return int_type({1, false, false});
        return array_of(type_for(t.ref, depth + 1), t.nelems);
      case TypeKind::kStruct:
      case TypeKind::kUnion: {
        auto it = structs_.find(id);
        if (it != structs_.end()) return it->second;
        return array_of(int_type({1, false, false}), t.size);  // not reached: declared by value
      }
      default:
        return pointer_to(0);  // declared as `void *`
    }
  }

  uint32_t array_of(uint32_t element, uint32_t nelems) {
    auto key = std::make_pair(element, nelems);
    auto it = arrays_.find(key);
    if (it != arrays_.end()) return it->second;
    if (index_type_ == 0) index_type_ = int_type({4, false, false});
    uint32_t id = w_.add_array(element, index_type_, nelems);
    arrays_[key] = id;
    return id;
  }

  const TypeEmitter::Impl& e_;
  BtfWriter w_;
  std::map<uint32_t, uint32_t> structs_;  // kernel id -> subset id
  std::map<std::tuple<uint32_t, bool, bool>, uint32_t> ints_;
  std::map<uint32_t, uint32_t> pointers_;
  std::map<std::tuple<std::string, uint32_t, bool>, uint32_t> enums_;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> arrays_;
  uint32_t index_type_ = 0;
};

}  // namespace

std::vector<uint8_t> TypeEmitter::relocation_btf() const { return SubsetWriter(*impl_).write(); }

}  // namespace sonde::kernel
