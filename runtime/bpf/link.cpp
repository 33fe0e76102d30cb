#include "runtime/bpf/link.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <thread>
#include <utility>

namespace sonde::bpf {

Link::Link(bpf_link* link, std::shared_ptr<bpf_object> owner)
    : link_(link), owner_(std::move(owner)) {}

Link::Link(Link&& other) noexcept
    : link_(std::exchange(other.link_, nullptr)), owner_(std::move(other.owner_)) {}

Link& Link::operator=(Link&& other) noexcept {
  if (this != &other) {
    destroy();
    link_ = std::exchange(other.link_, nullptr);
    owner_ = std::move(other.owner_);
  }
  return *this;
}

Link::~Link() { destroy(); }

void Link::destroy() {
  if (link_) bpf_link__destroy(link_);
  link_ = nullptr;
  owner_.reset();  // after the link: detaching may still use the object
}

int Link::fd() const { return link_ ? bpf_link__fd(link_) : -1; }

Links& Links::operator=(Links&& other) noexcept {
  if (this != &other) {
    clear();
    links_ = std::move(other.links_);
  }
  return *this;
}

void Links::add(Links&& other) {
  for (Link& link : other.links_) links_.push_back(std::move(link));
  other.links_.clear();
}

void Links::clear() {
  // Each kernel link waits for an RCU grace period when it goes (~50 ms here), so a
  // wildcard's hundreds of links detach in parallel. Composite links without an fd of
  // their own (USDT) share libbpf state with their object and go one at a time.
  constexpr size_t kParallelFrom = 8;
  constexpr size_t kThreads = 32;
  std::vector<Link*> independent;
  for (Link& link : links_) {
    if (link.fd() >= 0) independent.push_back(&link);
  }
  if (independent.size() >= kParallelFrom) {
    size_t threads = std::min(kThreads, independent.size());
    std::vector<std::thread> workers;
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = t; i < independent.size(); i += threads) independent[i]->destroy();
      });
    }
    for (auto& w : workers) w.join();
  }
  while (!links_.empty()) links_.pop_back();
}

}  // namespace sonde::bpf
