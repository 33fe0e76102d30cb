// The ELF reader against files binutils describes too: readelf's view of a Debian
// binary (build id, function symbols, notes) and of a BPF object, and every truncation
// of them read without a fault.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "format/elf.h"

namespace sonde::format {
namespace {

std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  char buffer[4096];
  size_t n;
  while (pipe && (n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) out.append(buffer, n);
  return out;
}

// A binary from Debian's archive, described by Debian's binutils.
constexpr const char* kBinary = "/bin/true";

TEST(Elf, BuildIdIsWhatReadelfSays) {
  auto file = ElfFile::open(kBinary);
  ASSERT_TRUE(file) << file.error().message;
  const std::string notes = command_output(std::string("readelf -n ") + kBinary);
  const auto at = notes.find("Build ID: ");
  ASSERT_NE(at, std::string::npos) << notes;
  const std::string expected = notes.substr(at + 10, notes.find('\n', at) - at - 10);
  EXPECT_EQ(file->view().build_id(), expected);
  EXPECT_EQ(file->view().file_type(), ET_DYN);
  EXPECT_EQ(file->view().machine(), EM_X86_64);
}

TEST(Elf, FunctionSymbolsAreWhatReadelfLists) {
  constexpr const char* kLibrary = "/lib/x86_64-linux-gnu/libc.so.6";
  auto file = ElfFile::open(kLibrary);
  ASSERT_TRUE(file) << file.error().message;
  std::set<std::string> ours;
  file->view().for_each_symbol([&](const ElfSymbol& s) {
    if (s.type == STT_FUNC && s.section != SHN_UNDEF) ours.insert(std::string(s.name));
  });
  // readelf -Ws: "Num: Value Size Type Bind Vis Ndx Name"
  std::istringstream lines(command_output(std::string("readelf -Ws ") + kLibrary));
  std::set<std::string> theirs;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string num, value, size, type, bind, vis, ndx, name;
    if (!(f >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
    if (type == "FUNC" && ndx != "UND") theirs.insert(name.substr(0, name.find('@')));
  }
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(ours, theirs);
}

TEST(Elf, BpfObjectSectionsAndMachine) {
  auto file = ElfFile::open(BPF_OBJECT);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->view().machine(), EM_BPF);
  EXPECT_EQ(file->view().file_type(), ET_REL);
  const ElfSection* btf = file->view().section(".BTF");
  ASSERT_NE(btf, nullptr);
  EXPECT_GT(btf->data.size(), 24u);
  std::istringstream lines(command_output(std::string("readelf -SW ") + BPF_OBJECT));
  std::string line;
  size_t listed = 0;
  while (std::getline(lines, line)) {
    const auto open = line.find('[');
    listed += open != std::string::npos && line.find("Nr]") == std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(file->view().sections().size(), listed);  // readelf lists [ 0] too
}

TEST(Elf, SectionBytesOrWhatIsMissing) {
  auto file = MappedFile::open(BPF_OBJECT);
  ASSERT_TRUE(file);
  auto btf = elf_section_bytes(file->bytes(), ".BTF");
  ASSERT_TRUE(btf) << btf.error().message;
  EXPECT_GT(btf->size(), 24u);
  auto none = elf_section_bytes(file->bytes(), ".no_such_section");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "no .no_such_section section");
}

TEST(Elf, EveryTruncationIsReadWithoutAFault) {
  for (const char* path : {kBinary, BPF_OBJECT}) {
    auto file = MappedFile::open(path);
    ASSERT_TRUE(file) << file.error().message;
    const auto whole = file->bytes();
    for (size_t size = 0; size < whole.size(); size += size < 4096 ? 7 : 997) {
      std::vector<uint8_t> part(whole.begin(), whole.begin() + static_cast<long>(size));
      auto view = ElfView::parse(part);
      if (!view) continue;
      size_t symbols = 0;
      view->for_each_symbol([&](const ElfSymbol&) { ++symbols; });
      (void)view->build_id();
      (void)elf_section_bytes(part, ".BTF");
    }
  }
}

TEST(Elf, WhatIsNotAnElfFileIsAnError) {
  std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  auto view = ElfView::parse(text);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().message, "not an ELF file");
  auto dir = ElfFile::open("/tmp");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message, "cannot read /tmp: not a regular file");
}

}  // namespace
}  // namespace sonde::format
