// Records a BPF program sends through a BPF_MAP_TYPE_RINGBUF map. Nothing is lost on
// this side: a record is lost in BPF, when bpf_ringbuf_reserve() finds the buffer full,
// so a program that cares counts those failures in a map of its own; records() here
// gives the other half of the ratio.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "runtime/bpf/map.h"
#include "support/result.h"

struct ring_buffer;

namespace sonde::bpf {

class RingBuffer {
 public:
  using Callback = std::function<void(std::span<const uint8_t> record)>;

  static Result<RingBuffer> open(const Map& map, Callback callback);

  // Waits up to `timeout` for records and hands each to the callback; returns how many.
  Result<int> poll(std::chrono::milliseconds timeout);
  // Hands over what is there without waiting.
  Result<int> consume();
  // Readable when records are waiting: for callers that wait on several fds.
  int epoll_fd() const;
  uint64_t records() const { return state_->records; }

 private:
  struct State {
    Callback callback;
    uint64_t records = 0;
  };
  struct Free {
    void operator()(ring_buffer* rb) const;
  };

  RingBuffer(std::unique_ptr<State> state, std::shared_ptr<bpf_object> owner);
  static int on_record(void* context, void* data, size_t size);

  std::unique_ptr<State> state_;  // stable address: libbpf holds a pointer to it
  std::shared_ptr<bpf_object> owner_;
  std::unique_ptr<ring_buffer, Free> rb_;
};

}  // namespace sonde::bpf
