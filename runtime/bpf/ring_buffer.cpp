#include "runtime/bpf/ring_buffer.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <cerrno>

#include "runtime/bpf/errno_text.h"

namespace sonde::bpf {

void RingBuffer::Free::operator()(ring_buffer* rb) const { ring_buffer__free(rb); }

RingBuffer::RingBuffer(std::unique_ptr<State> state, std::shared_ptr<bpf_object> owner)
    : state_(std::move(state)), owner_(std::move(owner)) {}

int RingBuffer::on_record(void* context, void* data, size_t size) {
  auto* state = static_cast<State*>(context);
  ++state->records;
  state->callback({static_cast<const uint8_t*>(data), size});
  return 0;
}

Result<RingBuffer> RingBuffer::open(const Map& map, Callback callback) {
  if (map.info().type != BPF_MAP_TYPE_RINGBUF) {
    return Error{fmt::format("map '{}' is not a ring buffer", map.info().name), ""};
  }
  auto state = std::make_unique<State>();
  state->callback = std::move(callback);
  ring_buffer* rb = ring_buffer__new(map.fd(), on_record, state.get(), nullptr);
  if (!rb) {
    return Error{
        fmt::format("cannot open ring buffer '{}': {}", map.info().name, errno_text(errno)), ""};
  }
  RingBuffer out(std::move(state), map.owner());
  out.rb_.reset(rb);
  return out;
}

Result<int> RingBuffer::poll(std::chrono::milliseconds timeout) {
  int n = ring_buffer__poll(rb_.get(), static_cast<int>(timeout.count()));
  if (n == -EINTR) return 0;  // a signal: the caller's loop decides what next
  if (n < 0) return Error{fmt::format("ring buffer poll failed: {}", errno_text(n)), ""};
  return n;
}

Result<int> RingBuffer::consume() {
  int n = ring_buffer__consume(rb_.get());
  if (n < 0) return Error{fmt::format("ring buffer read failed: {}", errno_text(n)), ""};
  return n;
}

int RingBuffer::epoll_fd() const { return ring_buffer__epoll_fd(rb_.get()); }

}  // namespace sonde::bpf
