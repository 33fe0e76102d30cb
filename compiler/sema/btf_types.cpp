#include "compiler/sema/btf_types.h"

#include <memory>
#include <vector>

namespace sonde::sema {

ast::Type type_from_btf(const kernel::Btf& btf, uint32_t id) {
  uint32_t resolved = btf.resolve(id);
  kernel::Type t = btf.type(resolved);
  ast::Type out;
  switch (t.kind) {
    case kernel::TypeKind::kInt:
      out = ast::Type::integer(t.size, t.is_signed);
      if (t.is_bool) out.decoder = spec::Decoder::kBool;
      break;
    case kernel::TypeKind::kEnum: {
      out = ast::Type::integer(t.size, t.is_signed);
      auto symbols = std::make_shared<std::vector<ast::SymbolName>>();
      for (const auto& v : btf.enum_values(resolved))
        symbols->push_back({v.value, std::string(v.name)});
      out.symbols = std::move(symbols);
      out.decoder = spec::Decoder::kEnum;
      break;
    }
    case kernel::TypeKind::kPointer:
      out.kind = ast::TypeKind::kPointer;
      out.size = 8;
      out.btf = btf.resolve(t.ref);
      break;
    case kernel::TypeKind::kArray: {
      kernel::Type elem = btf.type(btf.resolve(t.ref));
      // `char name[N]` is text; `u8 addr[16]` (unsigned char) is bytes. A flexible
      // `char name[]` ends its struct with a string of its own length: a string of 0 bytes
      // would be a 0-byte read and a map key the kernel refuses.
      if (elem.kind == kernel::TypeKind::kInt && elem.size == 1 &&
          (elem.is_char || elem.name == "char")) {
        out = ast::Type::string(t.nelems ? t.nelems : kUnsizedStringBound);
      } else {
        out.kind = ast::TypeKind::kBytes;
        out.size = t.nelems * (elem.size ? elem.size : 1);
        out.btf = resolved;
      }
      break;
    }
    case kernel::TypeKind::kStruct:
    case kernel::TypeKind::kUnion:
      out.kind = ast::TypeKind::kRecord;
      out.size = t.size;
      out.btf = resolved;
      break;
    default:
      break;
  }
  return out;
}

}  // namespace sonde::sema
