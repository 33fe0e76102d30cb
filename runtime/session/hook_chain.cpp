#include "runtime/session/hook_chain.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <optional>

#include "runtime/bpf/attach.h"
#include "runtime/bpf/object.h"

namespace sonde::session {
namespace {

// lower::kDispatcherProgram and lower::kDispatcherMap (the runtime does not depend on
// the compiler).
constexpr const char* kDispatcherProgram = "sonde_dispatch";
constexpr const char* kDispatcherMap = "sonde_chain";

std::array<uint8_t, 4> key_bytes(uint32_t index) {
  std::array<uint8_t, 4> key{};
  std::memcpy(key.data(), &index, sizeof index);
  return key;
}

}  // namespace

struct ChainSlot::Chain {
  std::string key;
  std::string section;
  spec::Probe probe;  // the first statement's, naming the dispatcher's program
  std::mutex mutex;
  std::optional<bpf::Object> dispatcher;
  std::optional<bpf::Map> map;
  bpf::Links links;                               // the dispatcher's attachment, once
  std::array<bool, HookChains::kSlots> taken{};   // reserved or filled
  std::array<bool, HookChains::kSlots> filled{};  // holding a program

  ~Chain() {
    // Detach before the map and the programs go.
    links.clear();
    map.reset();
    dispatcher.reset();
  }
};

ChainSlot::~ChainSlot() {
  std::lock_guard lock(chain_->mutex);
  if (chain_->filled[index_] && chain_->map) {
    auto key = key_bytes(index_);
    (void)chain_->map->remove(key);  // the program stops running at the next event
  }
  chain_->filled[index_] = false;
  chain_->taken[index_] = false;
  // The last ChainSlot of the chain drops it: ~Chain detaches the dispatcher.
}

uint32_t ChainSlot::slots() const { return HookChains::kSlots; }

bool ChainSlot::needs_dispatcher() const {
  std::lock_guard lock(chain_->mutex);
  return !chain_->dispatcher;
}

Status ChainSlot::load_dispatcher(std::span<const uint8_t> elf) {
  std::lock_guard lock(chain_->mutex);
  if (chain_->dispatcher) return {};
  auto object = bpf::Object::open(elf, "sonde_chain");
  if (!object) return object.error();
  if (auto st = object->load(); !st) return st.error();
  auto map = object->map(kDispatcherMap);
  if (!map) return map.error();
  chain_->map.emplace(std::move(map.value()));
  chain_->dispatcher.emplace(std::move(object.value()));
  return {};
}

int ChainSlot::map_fd() const {
  std::lock_guard lock(chain_->mutex);
  return chain_->map ? chain_->map->fd() : -1;
}

Status ChainSlot::fill(int program_fd) {
  std::lock_guard lock(chain_->mutex);
  Chain& c = *chain_;
  if (!c.dispatcher || !c.map) {
    return Error{
        fmt::format("{}: internal error: the hook's dispatcher is not loaded", c.probe.display),
        ""};
  }
  auto key = key_bytes(index_);
  std::array<uint8_t, 4> value{};
  std::memcpy(value.data(), &program_fd, sizeof program_fd);
  if (auto st = c.map->update(key, value); !st) return st.error();
  c.filled[index_] = true;
  if (c.links.empty()) {
    auto links = bpf::attach(*c.dispatcher, c.probe);
    if (!links) {
      (void)c.map->remove(key);
      c.filled[index_] = false;
      return links.error();
    }
    c.links = std::move(links.value());
  }
  return {};
}

Result<bpf::ProgramStats> ChainSlot::dispatcher_stats() const {
  std::lock_guard lock(chain_->mutex);
  if (!chain_->dispatcher) return Error{"the hook's dispatcher is not loaded", ""};
  return chain_->dispatcher->stats(kDispatcherProgram);
}

size_t ChainSlot::members() const {
  std::lock_guard lock(chain_->mutex);
  size_t n = 0;
  for (bool f : chain_->filled) n += f ? 1 : 0;
  return n;
}

std::unique_ptr<ChainSlot> HookChains::reserve(const std::string& key, const std::string& section,
                                               const spec::Probe& probe) {
  std::lock_guard lock(mutex_);
  std::erase_if(chains_, [](const auto& c) { return c.expired(); });
  for (const auto& weak : chains_) {
    auto chain = weak.lock();
    if (!chain || chain->key != key) continue;
    std::lock_guard chain_lock(chain->mutex);
    // The first free slot (where the programs run in a chain does not matter: each one
    // runs once an event).
    uint32_t next = 0;
    while (next < kSlots && chain->taken[next]) ++next;
    if (next == kSlots) continue;
    chain->taken[next] = true;
    return std::unique_ptr<ChainSlot>(new ChainSlot(chain, next));
  }
  auto chain = std::make_shared<ChainSlot::Chain>();
  chain->key = key;
  chain->section = section;
  chain->probe = probe;
  chain->probe.program = kDispatcherProgram;
  chain->taken[0] = true;
  chains_.push_back(chain);
  return std::unique_ptr<ChainSlot>(new ChainSlot(chain, 0));
}

size_t HookChains::attached_chains() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& weak : chains_) {
    if (auto chain = weak.lock()) {
      std::lock_guard chain_lock(chain->mutex);
      n += chain->links.empty() ? 0 : 1;
    }
  }
  return n;
}

}  // namespace sonde::session
