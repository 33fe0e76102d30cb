// The subset writer (runtime/bpf/btf_subset.h): types of the kernel copied through
// libbpf's BTF writer read back, through libbpf, as libbpf reads the kernel's own.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/btf.h>

#include <functional>
#include <map>
#include <string_view>

#include "tests/unit/btf/btf_test_util.h"

namespace sonde::btf {
namespace {

using ::testing::HasSubstr;

class BtfSubset : public test_support::KernelBtfTest {
 protected:
  // The first kernel type for which `pick` holds.
  uint32_t first(const std::function<bool(const btf_type*)>& pick) const {
    for (uint32_t id = 1; id < btf__type_cnt(libbpf()); ++id) {
      if (pick(btf__type_by_id(libbpf(), id))) return id;
    }
    return 0;
  }
  std::string_view name(const btf_type* t) const {
    return btf__name_by_offset(libbpf(), t->name_off);
  }
};

bool has_bitfield(const btf_type* t) {
  if (!btf_is_composite(t)) return false;
  for (uint32_t i = 0; i < btf_vlen(t); ++i)
    if (btf_member_bitfield_size(t, i) != 0) return true;
  return false;
}

TEST_F(BtfSubset, CopiesEveryKindARelocationReaches) {
  std::map<std::string, uint32_t> picked = {
      {"int", first([](const btf_type* t) { return btf_is_int(t); })},
      {"signed int", first([](const btf_type* t) {
         return btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);
       })},
      {"float", first([](const btf_type* t) { return btf_is_float(t); })},
      {"pointer", first([](const btf_type* t) { return btf_is_ptr(t); })},
      {"array", first([](const btf_type* t) { return btf_is_array(t); })},
      {"struct with bitfields", first([](const btf_type* t) { return has_bitfield(t); })},
      {"union", first([](const btf_type* t) { return btf_is_union(t) && btf_vlen(t) > 1; })},
      {"anonymous struct", first([](const btf_type* t) {
         return btf_is_struct(t) && t->name_off == 0 && btf_vlen(t) > 1;
       })},
      {"signed enum", first([](const btf_type* t) { return btf_is_enum(t) && btf_kflag(t); })},
      {"enum", first([](const btf_type* t) { return btf_is_enum(t) && !btf_kflag(t); })},
      {"enum64", first([](const btf_type* t) { return btf_is_enum64(t); })},
      {"forward struct", first([](const btf_type* t) { return btf_is_fwd(t) && !btf_kflag(t); })},
      {"typedef", first([](const btf_type* t) { return btf_is_typedef(t); })},
      {"const", first([](const btf_type* t) { return btf_is_const(t); })},
      {"volatile", first([](const btf_type* t) { return btf_is_volatile(t); })},
      {"restrict", first([](const btf_type* t) { return btf_is_restrict(t); })},
      {"type tag", first([](const btf_type* t) { return btf_is_type_tag(t); })},
      {"function prototype", first([](const btf_type* t) { return btf_is_func_proto(t); })},
  };
  std::vector<uint32_t> ids;
  for (const auto& [what, id] : picked) {
    if (id == 0) {
      // The kernel has none of these; the others are still checked.
      std::printf("note: the kernel's BTF has no %s\n", what.c_str());
      continue;
    }
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ASSERT_GE(ids.size(), 12u);

  auto bytes = bpf::write_btf_subset(kernel(), ids);
  ASSERT_TRUE(bytes) << bytes.error().message;
  std::unique_ptr<struct btf, void (*)(struct btf*)> out(
      btf__new(bytes->data(), static_cast<uint32_t>(bytes->size())), btf__free);
  ASSERT_NE(out, nullptr) << "libbpf rejects the subset: " << std::strerror(errno);
  ASSERT_EQ(btf__type_cnt(out.get()), ids.size() + 1);

  // References: to the copy of a copied type, else void.
  std::map<uint32_t, uint32_t> renumbered;
  for (uint32_t i = 0; i < ids.size(); ++i) renumbered[ids[i]] = i + 1;
  auto ref = [&](uint32_t kernel_id) {
    auto it = renumbered.find(kernel_id);
    return it == renumbered.end() ? 0u : it->second;
  };
  auto out_name = [&](uint32_t off) {
    return std::string_view(btf__name_by_offset(out.get(), off));
  };

  for (uint32_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(fmt::format("kernel type {}", ids[i]));
    const btf_type* k = btf__type_by_id(libbpf(), ids[i]);
    const btf_type* c = btf__type_by_id(out.get(), i + 1);
    ASSERT_EQ(btf_kind(c), btf_kind(k));
    EXPECT_EQ(out_name(c->name_off), name(k));
    ASSERT_EQ(btf_vlen(c), btf_vlen(k));
    switch (btf_kind(k)) {
      case BTF_KIND_INT:
        EXPECT_EQ(c->size, k->size);
        EXPECT_EQ(*reinterpret_cast<const uint32_t*>(c + 1),
                  *reinterpret_cast<const uint32_t*>(k + 1));
        break;
      case BTF_KIND_FLOAT:
        EXPECT_EQ(c->size, k->size);
        break;
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        EXPECT_EQ(c->type, ref(k->type));
        break;
      case BTF_KIND_ARRAY:
        EXPECT_EQ(btf_array(c)->type, ref(btf_array(k)->type));
        EXPECT_EQ(btf_array(c)->index_type, ref(btf_array(k)->index_type));
        EXPECT_EQ(btf_array(c)->nelems, btf_array(k)->nelems);
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        EXPECT_EQ(c->size, k->size);
        for (uint32_t m = 0; m < btf_vlen(k); ++m) {
          EXPECT_EQ(out_name(btf_members(c)[m].name_off),
                    btf__name_by_offset(libbpf(), btf_members(k)[m].name_off));
          EXPECT_EQ(btf_members(c)[m].type, ref(btf_members(k)[m].type));
          EXPECT_EQ(btf_member_bit_offset(c, m), btf_member_bit_offset(k, m));
          EXPECT_EQ(btf_member_bitfield_size(c, m), btf_member_bitfield_size(k, m));
        }
        break;
      case BTF_KIND_ENUM:
        EXPECT_EQ(c->size, k->size);
        for (uint32_t v = 0; v < btf_vlen(k); ++v) {
          EXPECT_EQ(out_name(btf_enum(c)[v].name_off),
                    btf__name_by_offset(libbpf(), btf_enum(k)[v].name_off));
          EXPECT_EQ(btf_enum(c)[v].val, btf_enum(k)[v].val);
        }
        break;
      case BTF_KIND_ENUM64:
        EXPECT_EQ(c->size, k->size);
        EXPECT_EQ(btf_kflag(c), btf_kflag(k));
        for (uint32_t v = 0; v < btf_vlen(k); ++v) {
          EXPECT_EQ(out_name(btf_enum64(c)[v].name_off),
                    btf__name_by_offset(libbpf(), btf_enum64(k)[v].name_off));
          EXPECT_EQ(btf_enum64_value(btf_enum64(c) + v), btf_enum64_value(btf_enum64(k) + v));
        }
        break;
      case BTF_KIND_FWD:
        EXPECT_EQ(btf_kflag(c), btf_kflag(k));
        break;
      case BTF_KIND_FUNC_PROTO:
        EXPECT_EQ(c->type, ref(k->type));
        for (uint32_t p = 0; p < btf_vlen(k); ++p) {
          EXPECT_EQ(out_name(btf_params(c)[p].name_off),
                    btf__name_by_offset(libbpf(), btf_params(k)[p].name_off));
          EXPECT_EQ(btf_params(c)[p].type, ref(btf_params(k)[p].type));
        }
        break;
      default:
        ADD_FAILURE() << "unexpected kind " << btf_kind(k);
    }
  }
}

TEST_F(BtfSubset, RefusesKindsNoRelocationReaches) {
  uint32_t func = 0;
  for (uint32_t id = 1; id < btf__type_cnt(libbpf()) && func == 0; ++id)
    if (btf_is_func(btf__type_by_id(libbpf(), id))) func = id;
  ASSERT_NE(func, 0u);
  std::vector<uint32_t> ids = {func};
  auto bytes = bpf::write_btf_subset(kernel(), ids);
  ASSERT_FALSE(bytes);
  EXPECT_THAT(bytes.error().message, HasSubstr("libbpf's BTF writer refused type"));
}

TEST_F(BtfSubset, EmptySubsetIsAnEmptyBtf) {
  auto bytes = bpf::write_btf_subset(kernel(), {});
  ASSERT_TRUE(bytes) << bytes.error().message;
  std::unique_ptr<struct btf, void (*)(struct btf*)> out(
      btf__new(bytes->data(), static_cast<uint32_t>(bytes->size())), btf__free);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(btf__type_cnt(out.get()), 1u);
}

}  // namespace
}  // namespace sonde::btf
