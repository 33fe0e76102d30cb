// An attachment of a program to a hook. Destroying a Link detaches it; a Link keeps its
// Object's programs and maps alive, so the two can be destroyed in any order.
#pragma once

#include <memory>
#include <vector>

struct bpf_link;
struct bpf_object;

namespace sonde::bpf {

class Link {
 public:
  Link(bpf_link* link, std::shared_ptr<bpf_object> owner);
  Link(Link&& other) noexcept;
  Link& operator=(Link&& other) noexcept;
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  ~Link();

  int fd() const;

 private:
  friend class Links;  // detaches many links in parallel
  void destroy();
  bpf_link* link_ = nullptr;
  std::shared_ptr<bpf_object> owner_;  // USDT links use the object's USDT state to detach
};

// The links of one or more probes; detaches them all (newest first) when destroyed.
class Links {
 public:
  Links() = default;
  Links(Links&&) noexcept = default;
  Links& operator=(Links&& other) noexcept;
  ~Links() { clear(); }

  void add(Link link) { links_.push_back(std::move(link)); }
  void add(Links&& other);
  size_t size() const { return links_.size(); }
  bool empty() const { return links_.empty(); }
  const std::vector<Link>& links() const { return links_; }
  // Detaches everything now.
  void clear();

 private:
  std::vector<Link> links_;
};

}  // namespace sonde::bpf
