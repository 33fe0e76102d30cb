// Btf on hand-made blobs: every kind decoded, lookups, and corrupt input rejected
// with errors (never a crash).
#include <bpf/btf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/btf.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include "compiler/kernel/btf.h"

namespace sonde::kernel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Ids of a blob holding one of each kind.
struct Sample {
  uint32_t int_id, char_id, bool_id, ptr_char, const_char, ptr_const_char, const_ptr_char;
  uint32_t array, array_ptr, structure, onion, anon_union, anon_struct, enumeration, enum64;
  uint32_t forward, forward_union, typedef_id, volatile_id, restrict_id, proto, func, func_ptr;
  uint32_t var, datasec, floating, decl_tag, type_tag;
  std::vector<uint8_t> bytes;
};

// libbpf's BTF writer, for hand-made inputs; ids are what btf__add_* returns.
class Writer {
 public:
  Writer() : b_(btf__new_empty(), btf__free) {}
  struct btf* get() {
    return b_.get();
  }
  std::vector<uint8_t> bytes() const {
    uint32_t size = 0;
    const auto* raw = static_cast<const uint8_t*>(btf__raw_data(b_.get(), &size));
    return {raw, raw + size};
  }

 private:
  std::unique_ptr<struct btf, void (*)(struct btf*)> b_;
};

uint32_t id(int added) {
  EXPECT_GT(added, 0) << "libbpf's writer refused a type: " << std::strerror(-added);
  return static_cast<uint32_t>(added);
}

void ok(int err) { EXPECT_EQ(err, 0) << "libbpf's writer refused: " << std::strerror(-err); }

Sample make_sample() {
  Sample s{};
  Writer w;
  struct btf* b = w.get();
  s.int_id = id(btf__add_int(b, "int", 4, BTF_INT_SIGNED));
  s.char_id = id(btf__add_int(b, "char", 1, BTF_INT_CHAR));
  s.bool_id = id(btf__add_int(b, "_Bool", 1, BTF_INT_BOOL));
  s.ptr_char = id(btf__add_ptr(b, s.char_id));
  s.const_char = id(btf__add_const(b, s.char_id));
  s.ptr_const_char = id(btf__add_ptr(b, s.const_char));
  s.const_ptr_char = id(btf__add_const(b, s.ptr_char));
  s.array = id(btf__add_array(b, s.int_id, s.int_id, 4));
  s.array_ptr = id(btf__add_ptr(b, s.array));
  // struct outer { int a; union { int b; struct { char c; int d : 3; }; }; char name[4]
  // -- as int[4] here -- ; _Bool flag : 1; }
  s.anon_struct = id(btf__add_struct(b, nullptr, 8));
  ok(btf__add_field(b, "c", s.char_id, 0, 0));
  ok(btf__add_field(b, "d", s.int_id, 32, 3));
  s.anon_union = id(btf__add_union(b, nullptr, 8));
  ok(btf__add_field(b, "b", s.int_id, 0, 0));
  ok(btf__add_field(b, nullptr, s.anon_struct, 0, 0));
  s.structure = id(btf__add_struct(b, "outer", 32));
  ok(btf__add_field(b, "a", s.int_id, 0, 0));
  ok(btf__add_field(b, nullptr, s.anon_union, 64, 0));
  ok(btf__add_field(b, "arr", s.array, 128, 0));
  s.onion = id(btf__add_union(b, "onion", 4));
  ok(btf__add_field(b, "layer", s.int_id, 0, 0));
  s.enumeration = id(btf__add_enum(b, "tcp_state", 4));
  ok(btf__add_enum_value(b, "TCP_ESTABLISHED", 1));
  ok(btf__add_enum_value(b, "TCP_SYN_SENT", 2));
  s.enum64 = id(btf__add_enum64(b, "big", 8, true));
  ok(btf__add_enum64_value(b, "BIG_NEGATIVE", static_cast<uint64_t>(-5)));
  ok(btf__add_enum64_value(b, "BIG_HUGE", uint64_t{1} << 40));
  s.forward = id(btf__add_fwd(b, "later", BTF_FWD_STRUCT));
  s.forward_union = id(btf__add_fwd(b, "later_union", BTF_FWD_UNION));
  s.typedef_id = id(btf__add_typedef(b, "pid_t", s.int_id));
  s.volatile_id = id(btf__add_volatile(b, s.typedef_id));
  s.restrict_id = id(btf__add_restrict(b, s.ptr_char));
  s.proto = id(btf__add_func_proto(b, s.int_id));
  ok(btf__add_func_param(b, "x", s.int_id));
  ok(btf__add_func_param(b, nullptr, 0));  // varargs
  s.func = id(btf__add_func(b, "do_it", BTF_FUNC_GLOBAL, s.proto));
  s.func_ptr = id(btf__add_ptr(b, s.proto));
  s.var = id(btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, s.int_id));
  s.datasec = id(btf__add_datasec(b, ".data", 4));
  ok(btf__add_datasec_var_info(b, s.var, 0, 4));
  s.floating = id(btf__add_float(b, "double", 8));
  s.decl_tag = id(btf__add_decl_tag(b, "user", s.func, -1));
  s.type_tag = id(btf__add_type_tag(b, "rcu", s.int_id));
  s.bytes = w.bytes();
  return s;
}

std::shared_ptr<const Btf> load(std::vector<uint8_t> bytes) {
  Result<std::shared_ptr<const Btf>> btf = Btf::from_bytes(std::move(bytes));
  EXPECT_TRUE(btf.ok()) << (btf.ok() ? "" : btf.error().message);
  return btf.ok() ? *btf : nullptr;
}

TEST(BtfBytes, SampleParsesWithLibbpf) {
  Sample s = make_sample();
  struct btf* b = btf__new(s.bytes.data(), static_cast<uint32_t>(s.bytes.size()));
  ASSERT_NE(b, nullptr) << std::strerror(errno);
  EXPECT_EQ(btf__type_cnt(b), s.type_tag + 1);
  btf__free(b);
}

TEST(BtfBytes, DecodesEveryKind) {
  Sample s = make_sample();
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  EXPECT_EQ(btf->type_count(), s.type_tag + 1);
  EXPECT_EQ(btf->type(0).kind, TypeKind::kVoid);

  Type i = btf->type(s.int_id);
  EXPECT_EQ(i.kind, TypeKind::kInt);
  EXPECT_EQ(i.name, "int");
  EXPECT_EQ(i.size, 4u);
  EXPECT_TRUE(i.is_signed);
  EXPECT_EQ(i.int_bits, 32u);
  EXPECT_TRUE(btf->type(s.char_id).is_char);
  EXPECT_TRUE(btf->type(s.bool_id).is_bool);
  EXPECT_EQ(btf->type(s.ptr_char).kind, TypeKind::kPointer);
  EXPECT_EQ(btf->type(s.ptr_char).ref, s.char_id);

  Type a = btf->type(s.array);
  EXPECT_EQ(a.kind, TypeKind::kArray);
  EXPECT_EQ(a.nelems, 4u);
  EXPECT_EQ(a.ref, s.int_id);
  EXPECT_EQ(a.size, 16u);

  Type st = btf->type(s.structure);
  EXPECT_EQ(st.kind, TypeKind::kStruct);
  EXPECT_EQ(st.size, 32u);
  EXPECT_EQ(st.vlen, 3u);
  EXPECT_EQ(btf->type(s.onion).kind, TypeKind::kUnion);
  std::vector<Member> inner = btf->members(s.anon_struct);
  ASSERT_EQ(inner.size(), 2u);
  EXPECT_EQ(inner[1].name, "d");
  EXPECT_EQ(inner[1].bit_offset, 32u);
  EXPECT_EQ(inner[1].bitfield_size, 3u);
  EXPECT_EQ(inner[0].bitfield_size, 0u);

  Type e = btf->type(s.enumeration);
  EXPECT_EQ(e.kind, TypeKind::kEnum);
  EXPECT_EQ(e.size, 4u);
  EXPECT_FALSE(e.is_signed);
  EXPECT_EQ(btf->enum_values(s.enumeration)[1].name, "TCP_SYN_SENT");
  EXPECT_EQ(btf->enum_values(s.enumeration)[1].value, 2);
  EXPECT_EQ(btf->type(s.enum64).kind, TypeKind::kEnum);
  EXPECT_EQ(btf->enum_values(s.enum64)[0].value, -5);
  EXPECT_EQ(btf->enum_values(s.enum64)[1].value, int64_t{1} << 40);

  EXPECT_EQ(btf->type(s.forward).kind, TypeKind::kForward);
  EXPECT_FALSE(btf->type(s.forward).kind_flag);
  EXPECT_TRUE(btf->type(s.forward_union).kind_flag);
  EXPECT_EQ(btf->type(s.typedef_id).kind, TypeKind::kTypedef);
  EXPECT_EQ(btf->type(s.volatile_id).kind, TypeKind::kVolatile);
  EXPECT_EQ(btf->type(s.restrict_id).kind, TypeKind::kRestrict);
  EXPECT_EQ(btf->type(s.const_char).kind, TypeKind::kConst);

  Type proto = btf->type(s.proto);
  EXPECT_EQ(proto.kind, TypeKind::kFunctionProto);
  EXPECT_EQ(proto.ref, s.int_id);                   // the return type
  std::vector<Param> params = btf->params(s.func);  // through the FUNC
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "x");
  EXPECT_EQ(params[1].type, 0u);
  Type f = btf->type(s.func);
  EXPECT_EQ(f.kind, TypeKind::kFunction);
  EXPECT_EQ(f.ref, s.proto);
  EXPECT_EQ(f.vlen, uint32_t{BTF_FUNC_GLOBAL});

  EXPECT_EQ(btf->type(s.var).kind, TypeKind::kVariable);
  EXPECT_EQ(btf->type(s.var).ref, s.int_id);
  EXPECT_EQ(btf->type(s.datasec).kind, TypeKind::kDataSection);
  EXPECT_EQ(btf->type(s.datasec).vlen, 1u);
  EXPECT_EQ(btf->type(s.floating).kind, TypeKind::kFloat);
  EXPECT_EQ(btf->type(s.floating).size, 8u);
  EXPECT_EQ(btf->type(s.decl_tag).kind, TypeKind::kDeclTag);
  EXPECT_EQ(btf->type(s.decl_tag).ref, s.func);
  EXPECT_EQ(btf->type(s.type_tag).kind, TypeKind::kTypeTag);

  EXPECT_EQ(btf->type(9999).kind, TypeKind::kUnknown);
  EXPECT_TRUE(btf->members(9999).empty());
}

TEST(BtfBytes, ResolveAndSize) {
  Sample s = make_sample();
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  EXPECT_EQ(btf->resolve(s.volatile_id), s.int_id);  // volatile -> typedef -> int
  EXPECT_EQ(btf->resolve(s.type_tag), s.int_id);
  EXPECT_EQ(btf->resolve(s.ptr_char), s.ptr_char);
  EXPECT_EQ(btf->size_of(s.volatile_id), 4u);
  EXPECT_EQ(btf->size_of(s.array), 16u);
  EXPECT_EQ(btf->size_of(s.ptr_char), 8u);
  EXPECT_EQ(btf->size_of(s.func), 0u);
}

TEST(BtfBytes, Lookups) {
  Sample s = make_sample();
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  EXPECT_EQ(btf->find("outer", TypeKind::kStruct), s.structure);
  EXPECT_EQ(btf->find("outer", TypeKind::kUnion), std::nullopt);
  EXPECT_EQ(btf->find("onion", TypeKind::kUnion), s.onion);
  EXPECT_EQ(btf->find("pid_t", TypeKind::kTypedef), s.typedef_id);
  EXPECT_EQ(btf->find("do_it", TypeKind::kFunction), s.func);
  EXPECT_EQ(btf->find("big", TypeKind::kEnum), s.enum64);
  EXPECT_EQ(btf->find("", TypeKind::kStruct), std::nullopt);
  EXPECT_EQ(btf->find("nothing", TypeKind::kStruct), std::nullopt);

  std::optional<EnumConstant> c = btf->find_enum_constant("TCP_ESTABLISHED");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, 1);
  EXPECT_EQ(c->enum_type, s.enumeration);
  EXPECT_EQ(c->enum_name, "tcp_state");
  EXPECT_EQ(btf->find_enum_constant("BIG_HUGE")->value, int64_t{1} << 40);
  EXPECT_EQ(btf->find_enum_constant("TCP_NOPE"), std::nullopt);

  EXPECT_THAT(btf->names_with_prefix(TypeKind::kForward, "later"),
              ElementsAre("later", "later_union"));
  EXPECT_THAT(btf->ids_with_prefix(TypeKind::kStruct, "ou"), ElementsAre(s.structure));
}

TEST(BtfBytes, FindMemberThroughAnonymousMembers) {
  Sample s = make_sample();
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  std::optional<Member> a = btf->find_member(s.structure, "a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bit_offset, 0u);
  std::optional<Member> b = btf->find_member(s.structure, "b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->bit_offset, 64u);
  std::optional<Member> d = btf->find_member(s.structure, "d");  // struct in union in struct
  ASSERT_TRUE(d);
  EXPECT_EQ(d->bit_offset, 64u + 32u);
  EXPECT_EQ(d->bitfield_size, 3u);
  EXPECT_EQ(btf->find_member(s.structure, "missing"), std::nullopt);
  EXPECT_EQ(btf->find_member(s.int_id, "a"), std::nullopt);
  EXPECT_TRUE(btf->find_member(s.typedef_id, "a") == std::nullopt);
}

TEST(BtfBytes, TypeNames) {
  Sample s = make_sample();
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  EXPECT_EQ(btf->type_name(0), "void");
  EXPECT_EQ(btf->type_name(s.int_id), "int");
  EXPECT_EQ(btf->type_name(s.ptr_char), "char *");
  EXPECT_EQ(btf->type_name(s.ptr_const_char), "const char *");
  EXPECT_EQ(btf->type_name(s.const_ptr_char), "char *const");
  EXPECT_EQ(btf->type_name(s.array), "int[4]");
  EXPECT_EQ(btf->type_name(s.array_ptr), "int (*)[4]");
  EXPECT_EQ(btf->type_name(s.func_ptr), "int (*)(int, ...)");
  EXPECT_EQ(btf->type_name(s.structure), "struct outer");
  EXPECT_EQ(btf->type_name(s.onion), "union onion");
  EXPECT_EQ(btf->type_name(s.anon_union), "union (anon)");
  EXPECT_EQ(btf->type_name(s.enumeration), "enum tcp_state");
  EXPECT_EQ(btf->type_name(s.forward_union), "union later_union");
  EXPECT_EQ(btf->type_name(s.typedef_id), "pid_t");
  EXPECT_EQ(btf->type_name(s.volatile_id), "volatile pid_t");
  EXPECT_EQ(btf->type_name(9999), "<bad type 9999>");
}

// --- Corrupt input -------------------------------------------------------------------

std::string error_of(std::vector<uint8_t> bytes) {
  Result<std::shared_ptr<const Btf>> btf = Btf::from_bytes(std::move(bytes));
  return btf.ok() ? "" : btf.error().message + " / " + btf.error().hint;
}

void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); }
uint32_t get_u32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, &b[at], 4);
  return v;
}

constexpr size_t kHdr = sizeof(btf_header);
constexpr size_t kTypeLenAt = offsetof(btf_header, type_len);
constexpr size_t kStrOffAt = offsetof(btf_header, str_off);
constexpr size_t kStrLenAt = offsetof(btf_header, str_len);

TEST(BtfCorrupt, HeaderErrors) {
  std::vector<uint8_t> good = make_sample().bytes;
  EXPECT_THAT(error_of({}), HasSubstr("shorter than the BTF header"));
  EXPECT_THAT(error_of({0x9f, 0xeb, 1}), HasSubstr("shorter than the BTF header"));

  std::vector<uint8_t> b = good;
  b[0] = 0;
  EXPECT_THAT(error_of(b), HasSubstr("not BTF"));
  b = good;
  std::swap(b[0], b[1]);
  EXPECT_THAT(error_of(b), HasSubstr("big-endian"));
  b = good;
  b[2] = 2;
  EXPECT_THAT(error_of(b), HasSubstr("version"));
  b = good;
  put_u32(b, 4, 8);  // hdr_len below the header size
  EXPECT_THAT(error_of(b), HasSubstr("header length"));
  b = good;
  put_u32(b, 4, 0xfffffff0);
  EXPECT_THAT(error_of(b), HasSubstr("header length"));
  b = good;
  put_u32(b, kStrLenAt, get_u32(b, kStrLenAt) + 1);
  EXPECT_THAT(error_of(b), HasSubstr("exceed"));
  b = good;
  put_u32(b, kStrOffAt, 0xffffffff);  // offset + length overflows 32 bits
  EXPECT_THAT(error_of(b), HasSubstr("exceed"));
  b = good;
  b.back() = 'x';  // the last string loses its terminator
  EXPECT_THAT(error_of(b), HasSubstr("NUL"));
  b = good;
  put_u32(b, kStrLenAt, 0);
  EXPECT_THAT(error_of(b), HasSubstr("empty string section"));
}

TEST(BtfCorrupt, TypeSectionErrors) {
  std::vector<uint8_t> good = make_sample().bytes;
  // Shorten the type section by 4 bytes (the strings stay where they are): the last
  // record no longer fits.
  std::vector<uint8_t> b = good;
  put_u32(b, kTypeLenAt, get_u32(b, kTypeLenAt) - 4);
  EXPECT_THAT(error_of(b), HasSubstr("truncated"));

  b = good;
  put_u32(b, kHdr + 4, 25u << 24);  // type 1: kind 25 does not exist
  EXPECT_THAT(error_of(b), HasSubstr("unknown kind 25"));

  Sample s = make_sample();
  b = s.bytes;
  // The struct "outer" is type s.structure: find its record and claim 60000 members.
  auto btf = load(s.bytes);
  ASSERT_TRUE(btf);
  size_t at = kHdr;
  for (uint32_t id = 1; id < s.structure; ++id) {
    uint32_t info = get_u32(b, at + 4);
    uint32_t kind = BTF_INFO_KIND(info);
    uint32_t vlen = BTF_INFO_VLEN(info);
    size_t extra = kind == BTF_KIND_INT                                ? 4
                   : kind == BTF_KIND_ARRAY                            ? 12
                   : kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ? 12 * vlen
                                                                       : 0;
    at += 12 + extra;
  }
  EXPECT_EQ(get_u32(b, at + 4) & 0xffff, 3u);  // found it
  put_u32(b, at + 4, (get_u32(b, at + 4) & 0xffff0000) | 60000);
  EXPECT_THAT(error_of(b), HasSubstr("runs past the type section"));
}

TEST(BtfCorrupt, ReferenceErrors) {
  Sample s = make_sample();
  std::vector<uint8_t> b = s.bytes;
  // Type 4 is the pointer to char: point it past the last type.
  put_u32(b, kHdr + 12 * 3 + 4 * 3 + 8, 5000);
  EXPECT_THAT(error_of(b), HasSubstr("refers to type 5000"));
  b = s.bytes;
  put_u32(b, kHdr, 0x7fffffff);  // type 1's name offset
  EXPECT_THAT(error_of(b), HasSubstr("string offset"));
}

TEST(BtfCorrupt, OpenIsLazyButSafe) {
  // open() checks the header only; a corrupt record ends the index and validate()
  // reports it.
  std::vector<uint8_t> b = make_sample().bytes;
  put_u32(b, kHdr + 12 * 2 + 4 * 2 + 4, 30u << 24);  // type 3 (_Bool): unknown kind
  char path[] = "/tmp/sonde_btf_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  close(fd);
  Result<std::shared_ptr<const Btf>> btf = Btf::open(path);
  unlink(path);
  ASSERT_TRUE(btf.ok()) << btf.error().message;
  EXPECT_EQ((*btf)->type_count(), 3u);  // void, int, char
  EXPECT_EQ((*btf)->type(2).name, "char");
  EXPECT_EQ((*btf)->type(3).kind, TypeKind::kUnknown);
  EXPECT_EQ((*btf)->find("outer", TypeKind::kStruct), std::nullopt);
  Status v = (*btf)->validate();
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr("unknown kind 30"));

  EXPECT_FALSE(Btf::open("/nonexistent/vmlinux").ok());
}

// Exercises every accessor on every id of a blob that parsed.
void touch_everything(const Btf& btf) {
  for (uint32_t id = 0; id < btf.type_count() + 2; ++id) {
    Type t = btf.type(id);
    (void)btf.members(id);
    (void)btf.params(id);
    (void)btf.enum_values(id);
    (void)btf.resolve(id);
    (void)btf.size_of(id);
    (void)btf.type_name(id);
    (void)btf.find_member(id, "d");
    if (!t.name.empty()) (void)btf.find(t.name, t.kind);
  }
  (void)btf.find_enum_constant("TCP_ESTABLISHED");
  (void)btf.names_with_prefix(TypeKind::kStruct, "");
}

TEST(BtfCorrupt, EveryTruncationFailsCleanly) {
  std::vector<uint8_t> good = make_sample().bytes;
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(Btf::from_bytes(b).ok()) << "truncated to " << n << " bytes";
  }
}

TEST(BtfCorrupt, RandomMutationsNeverCrash) {
  std::vector<uint8_t> good = make_sample().bytes;
  std::mt19937 rng(1234);
  int accepted = 0;
  const int kRounds = 20000;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<uint8_t> b = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      size_t at = rng() % b.size();
      // Mostly small changes, sometimes whole words of garbage.
      if (rng() % 4 == 0 && at + 4 <= b.size()) {
        put_u32(b, at, static_cast<uint32_t>(rng()));
      } else {
        b[at] = static_cast<uint8_t>(b[at] ^ (1u << (rng() % 8)));
      }
    }
    Result<std::shared_ptr<const Btf>> btf = Btf::from_bytes(b);
    if (!btf.ok()) continue;
    ++accepted;
    touch_everything(**btf);
  }
  // Flips in names' characters and the like leave valid BTF: both paths ran.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, kRounds);
}

TEST(BtfCorrupt, TypeCyclesTerminate) {
  Writer w;
  uint32_t a = id(btf__add_typedef(w.get(), "a", 2));
  uint32_t b = id(btf__add_const(w.get(), a));           // 2: a -> b -> a
  id(btf__add_ptr(w.get(), 3));                          // 3: a pointer to itself
  uint32_t s = id(btf__add_struct(w.get(), "loop", 4));  // 4
  ok(btf__add_field(w.get(), nullptr, s, 0, 0));         // anonymous member of its own type
  id(btf__add_array(w.get(), 0, 5, 2));                  // 5: an array of itself
  auto btf = load(w.bytes());
  ASSERT_TRUE(btf);
  (void)btf->resolve(a);
  (void)btf->resolve(b);
  EXPECT_EQ(btf->size_of(a), 0u);
  EXPECT_EQ(btf->type_name(a), "a");  // a typedef is spelled by its name
  EXPECT_EQ(btf->type_name(b), "const a");
  EXPECT_THAT(btf->type_name(3), HasSubstr("cycle"));
  EXPECT_EQ(btf->find_member(s, "x"), std::nullopt);
  (void)btf->type_name(5);
  (void)btf->size_of(5);
}

}  // namespace
}  // namespace sonde::kernel
