// Batched UDP for @sipkit/transport-node: recvmmsg(2) and sendmmsg(2) on a socket of our own,
// polled from Node's own event loop (libuv), through Node-API only.
//
// Why: node:dgram pays, for every datagram, a libuv read and a callback into JavaScript (with its
// microtask checkpoint), a fresh ArrayBuffer and an rinfo object, and on the way out a send
// request and a system call. Under load a SIP server spends as much there as in its own code.
// Here one wakeup reads up to kBatch datagrams with one system call and calls JavaScript once for
// all of them; the datagrams one turn of the event loop sends leave with one system call.
//
// The memory JavaScript and this file share is four ArrayBuffers JavaScript allocates and keeps:
//   rdata  kBatch slots of kSlot bytes, the datagrams read (slot i holds datagram i);
//   rmeta  per datagram read, kMeta int32s: length (-1: cut short, which a UDP payload of at
//          most 65,527 bytes never is in a slot of 65,536), port, family (4 or 6), and
//          the source address's octets (4 or 16) in network order;
//   sdata  the datagrams to send, back to back;
//   smeta  per datagram to send, kMeta int32s: offset in sdata, length, port, family, address.
// JavaScript copies what it keeps out of rdata before the callback returns.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <deque>
#include <string>

namespace {

constexpr int kBatch = 32;
constexpr size_t kSlot = 65536;
constexpr int kMeta = 8;
// Most datagrams one send() call hands to sendmmsg at a time (Linux's UIO_MAXIOV is 1024).
constexpr int kSendChunk = 256;
// Most rounds of kBatch reads per wakeup, so timers and other sockets get their turn.
constexpr int kRounds = 8;
// What may wait for the socket to drain when the kernel's send buffer is full; beyond it a
// datagram is dropped, as the kernel would drop it.
constexpr size_t kMaxPendingBytes = 8 << 20;

struct Pending {
  std::string bytes;
  sockaddr_storage to;
  socklen_t len;
};

struct Sock {
  napi_env env = nullptr;
  int fd = -1;
  int family = 4;
  uv_poll_t poll;
  bool polling = false;
  bool writable = false;  // also polling for UV_WRITABLE
  bool closing = false;
  bool inCallback = false;
  napi_ref onRecv = nullptr;
  napi_ref buffers[4] = {nullptr, nullptr, nullptr, nullptr};
  napi_ref resource = nullptr;
  napi_async_context async = nullptr;
  uint8_t* rdata = nullptr;
  int32_t* rmeta = nullptr;
  uint8_t* sdata = nullptr;
  size_t sdataLen = 0;
  int32_t* smeta = nullptr;
  size_t smetaCount = 0;
  mmsghdr rmsgs[kBatch];
  iovec riov[kBatch];
  sockaddr_storage raddr[kBatch];
  // Send()'s working space, here rather than on the stack (a worker thread's is small).
  mmsghdr smsgs[kSendChunk];
  iovec siov[kSendChunk];
  sockaddr_storage sto[kSendChunk];
  std::deque<Pending> pending;
  size_t pendingBytes = 0;
  // Counters, read by stats(): datagrams read, sent, dropped on the way out.
  double received = 0, sent = 0, dropped = 0;
};

napi_value Throw(napi_env env, const char* what, int err) {
  std::string m = std::string(what) + ": " + strerror(err);
  napi_throw_error(env, nullptr, m.c_str());
  return nullptr;
}

bool ToSockaddr(int family, int port, const int32_t* addr, sockaddr_storage* out, socklen_t* len) {
  memset(out, 0, sizeof(*out));
  if (port <= 0 || port > 65535) return false;
  if (family == 4) {
    auto* a = reinterpret_cast<sockaddr_in*>(out);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    memcpy(&a->sin_addr, addr, 4);
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (family == 6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    memcpy(&a->sin6_addr, addr, 16);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

void UpdatePoll(Sock* s);

// Sends what waits for the socket; false while some still waits.
bool DrainPending(Sock* s) {
  while (!s->pending.empty()) {
    Pending& p = s->pending.front();
    ssize_t n = sendto(s->fd, p.bytes.data(), p.bytes.size(), MSG_DONTWAIT,
                       reinterpret_cast<sockaddr*>(&p.to), p.len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) return false;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s->dropped++;
    else s->sent++;
    s->pendingBytes -= p.bytes.size();
    s->pending.pop_front();
  }
  return true;
}

void Queue(Sock* s, const uint8_t* bytes, size_t len, const sockaddr_storage& to, socklen_t tolen) {
  if (s->pendingBytes + len > kMaxPendingBytes) {
    s->dropped++;
    return;
  }
  s->pending.push_back(Pending{std::string(reinterpret_cast<const char*>(bytes), len), to, tolen});
  s->pendingBytes += len;
}

void OnClosed(uv_handle_t* h) {
  delete static_cast<Sock*>(h->data);
}

// Lets go of what the Sock holds of JavaScript (after Shut).
void Release(Sock* s) {
  napi_env env = s->env;
  if (s->onRecv) napi_delete_reference(env, s->onRecv);
  for (auto& b : s->buffers)
    if (b) napi_delete_reference(env, b);
  if (s->resource) napi_delete_reference(env, s->resource);
  if (s->async) napi_async_destroy(env, s->async);
  s->onRecv = s->resource = nullptr;
  s->async = nullptr;
  for (auto& b : s->buffers) b = nullptr;
}

// Stops the socket: no more wakeups, the descriptor closed. uv_close stops the poll and makes
// libuv forget the descriptor at once, while it is still open; closed after that, its number
// cannot be taken by another file in between. The Sock itself goes once libuv lets go of the
// handle (OnClosed); a wakeup already under way sees `closing`.
void Shut(Sock* s) {
  s->closing = true;
  s->polling = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnClosed);
  close(s->fd);
  s->fd = -1;
}

void Cleanup(void* arg) {
  // The environment is going away (a worker thread ending, say) with the socket still open.
  Sock* s = static_cast<Sock*>(arg);
  Shut(s);
  Release(s);
}

void Read(Sock* s) {
  for (int round = 0; round < kRounds; round++) {
    for (int i = 0; i < kBatch; i++) {
      s->rmsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      s->rmsgs[i].msg_hdr.msg_flags = 0;
      s->rmsgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, s->rmsgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno == EINTR) continue;
    // EAGAIN: nothing more to read. Anything else (an ICMP error queued on the socket, say) is
    // the socket's, not a datagram's: it is cleared by the read and the next wakeup goes on.
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      int32_t* m = s->rmeta + i * kMeta;
      const mmsghdr& h = s->rmsgs[i];
      m[0] = (h.msg_hdr.msg_flags & MSG_TRUNC) ? -1 : static_cast<int32_t>(h.msg_len);
      const sockaddr_storage& a = s->raddr[i];
      if (a.ss_family == AF_INET6) {
        const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&a);
        m[1] = ntohs(a6->sin6_port);
        m[2] = 6;
        memcpy(m + 3, &a6->sin6_addr, 16);
      } else {
        const auto* a4 = reinterpret_cast<const sockaddr_in*>(&a);
        m[1] = ntohs(a4->sin_port);
        m[2] = 4;
        memcpy(m + 3, &a4->sin_addr, 4);
      }
    }
    s->received += n;
    napi_env env = s->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value fn, recv, argv[1], result;
    napi_get_reference_value(env, s->onRecv, &fn);
    napi_get_reference_value(env, s->resource, &recv);
    napi_create_int32(env, n, &argv[0]);
    s->inCallback = true;
    // napi_make_callback, not napi_call_function: promise reactions and process.nextTick
    // callbacks queued by the handlers run when it returns, as after any I/O callback.
    napi_status st = napi_make_callback(env, s->async, recv, fn, 1, argv, &result);
    s->inCallback = false;
    if (st == napi_pending_exception) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
      napi_fatal_exception(env, e);
    }
    napi_close_handle_scope(env, scope);
    // Closed by the handlers: what Close left for after the callback.
    if (s->closing) {
      Release(s);
      return;
    }
    if (n < kBatch) return;
  }
}

void OnPoll(uv_poll_t* h, int status, int events) {
  Sock* s = static_cast<Sock*>(h->data);
  if (s->closing) return;
  if (status < 0) {
    // An error on the socket itself (POLLERR): reading clears it.
    events = UV_READABLE;
  }
  if (events & UV_WRITABLE) {
    if (DrainPending(s)) UpdatePoll(s);
  }
  if (events & UV_READABLE) Read(s);
}

void UpdatePoll(Sock* s) {
  if (s->closing) return;
  bool want = !s->pending.empty();
  if (s->polling && want == s->writable) return;
  s->writable = want;
  s->polling = true;
  uv_poll_start(&s->poll, want ? (UV_READABLE | UV_WRITABLE) : UV_READABLE, OnPoll);
}

Sock* Unwrap(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == nullptr) {
    napi_throw_type_error(env, nullptr, "not a socket");
    return nullptr;
  }
  Sock* s = static_cast<Sock*>(p);
  if (s->closing) {
    napi_throw_error(env, nullptr, "socket is closed");
    return nullptr;
  }
  return s;
}

bool BufferArg(napi_env env, napi_value v, size_t min, void** data, size_t* len) {
  bool is = false;
  napi_is_arraybuffer(env, v, &is);
  if (!is) return false;
  napi_get_arraybuffer_info(env, v, data, len);
  return *len >= min;
}

// open(family, host, port, rcvbuf, sndbuf, rdata, rmeta, sdata, smeta, onRecv) → [socket, port]
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 11) {
    napi_throw_type_error(env, nullptr, "open: 11 arguments");
    return nullptr;
  }
  int32_t family, port, rcvbuf, sndbuf;
  bool reusePort = false;
  napi_get_value_bool(env, argv[10], &reusePort);
  napi_get_value_int32(env, argv[0], &family);
  napi_get_value_int32(env, argv[2], &port);
  napi_get_value_int32(env, argv[3], &rcvbuf);
  napi_get_value_int32(env, argv[4], &sndbuf);
  char host[64];
  size_t hostLen = 0;
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof(host), &hostLen) != napi_ok) {
    napi_throw_type_error(env, nullptr, "open: host");
    return nullptr;
  }
  void *rdata, *rmeta, *sdata, *smeta;
  size_t rdataLen, rmetaLen, sdataLen, smetaLen;
  if (!BufferArg(env, argv[5], kBatch * kSlot, &rdata, &rdataLen) ||
      !BufferArg(env, argv[6], kBatch * kMeta * 4, &rmeta, &rmetaLen) ||
      !BufferArg(env, argv[7], kSlot, &sdata, &sdataLen) ||
      !BufferArg(env, argv[8], kMeta * 4, &smeta, &smetaLen)) {
    napi_throw_type_error(env, nullptr, "open: buffers too small");
    return nullptr;
  }
  napi_valuetype t;
  napi_typeof(env, argv[9], &t);
  if (t != napi_function) {
    napi_throw_type_error(env, nullptr, "open: onRecv");
    return nullptr;
  }
  sockaddr_storage addr;
  socklen_t addrLen = 0;
  memset(&addr, 0, sizeof(addr));
  if (family == 4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return Throw(env, "open: host", EINVAL);
    addrLen = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) return Throw(env, "open: host", EINVAL);
    addrLen = sizeof(sockaddr_in6);
  }
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Throw(env, "socket", errno);
  int one = 1;
  // As node:dgram does for udp6: the socket takes IPv6 only, not IPv4-mapped addresses too.
  if (family == 6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  // SO_REUSEPORT (Linux 3.9): other sockets of the same user may bind this address and port too,
  // and the kernel spreads datagrams among them by a hash of the source address and port.
  if (reusePort && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    int e = errno;
    close(fd);
    return Throw(env, "SO_REUSEPORT", e);
  }
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0) {
    int e = errno;
    close(fd);
    return Throw(env, "SO_RCVBUF", e);
  }
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0) {
    int e = errno;
    close(fd);
    return Throw(env, "SO_SNDBUF", e);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), addrLen) != 0) {
    int e = errno;
    close(fd);
    return Throw(env, "bind", e);
  }
  sockaddr_storage bound;
  socklen_t boundLen = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &boundLen);
  int boundPort = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    close(fd);
    napi_throw_error(env, nullptr, "no event loop");
    return nullptr;
  }
  Sock* s = new Sock();
  s->env = env;
  s->fd = fd;
  s->family = family;
  s->rdata = static_cast<uint8_t*>(rdata);
  s->rmeta = static_cast<int32_t*>(rmeta);
  s->sdata = static_cast<uint8_t*>(sdata);
  s->sdataLen = sdataLen;
  s->smeta = static_cast<int32_t*>(smeta);
  s->smetaCount = smetaLen / (kMeta * 4);
  for (int i = 0; i < kBatch; i++) {
    s->riov[i].iov_base = s->rdata + i * kSlot;
    s->riov[i].iov_len = kSlot;
    memset(&s->rmsgs[i], 0, sizeof(mmsghdr));
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = &s->raddr[i];
  }
  for (int i = 0; i < 4; i++) napi_create_reference(env, argv[5 + i], 1, &s->buffers[i]);
  napi_create_reference(env, argv[9], 1, &s->onRecv);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_string_utf8(env, "sipkit:udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->async);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  UpdatePoll(s);
  napi_add_env_cleanup_hook(env, Cleanup, s);

  napi_value ext, portV, out;
  napi_create_external(env, s, nullptr, nullptr, &ext);
  napi_create_int32(env, boundPort, &portV);
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, ext);
  napi_set_element(env, out, 1, portV);
  return out;
}

// send(socket, count): sends the first count datagrams smeta describes; returns how many left
// now (the rest wait for the socket, or were dropped as the kernel would have).
napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Sock* s = Unwrap(env, argv[0]);
  if (s == nullptr) return nullptr;
  int32_t count = 0;
  napi_get_value_int32(env, argv[1], &count);
  if (count < 0 || static_cast<size_t>(count) > s->smetaCount) {
    napi_throw_range_error(env, nullptr, "send: count");
    return nullptr;
  }
  mmsghdr* msgs = s->smsgs;
  iovec* iov = s->siov;
  sockaddr_storage* to = s->sto;
  int sentNow = 0;
  int i = 0;
  // Whatever waits already goes first: datagrams to a peer leave in the order they were sent.
  bool blocked = !s->pending.empty() && !DrainPending(s);
  while (i < count) {
    int k = 0;
    for (; i < count && k < kSendChunk; i++) {
      const int32_t* m = s->smeta + i * kMeta;
      size_t off = static_cast<uint32_t>(m[0]);
      size_t len = static_cast<uint32_t>(m[1]);
      socklen_t tolen = 0;
      if (off + len > s->sdataLen || !ToSockaddr(m[3], m[2], m + 4, &to[k], &tolen)) {
        s->dropped++;
        continue;
      }
      if (blocked) {
        Queue(s, s->sdata + off, len, to[k], tolen);
        continue;
      }
      iov[k].iov_base = s->sdata + off;
      iov[k].iov_len = len;
      memset(&msgs[k], 0, sizeof(mmsghdr));
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_name = &to[k];
      msgs[k].msg_hdr.msg_namelen = tolen;
      k++;
    }
    int done = 0;
    while (done < k) {
      int n = sendmmsg(s->fd, msgs + done, k - done, MSG_DONTWAIT);
      if (n > 0) {
        done += n;
        sentNow += n;
        s->sent += n;
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        // The kernel's buffer is full: the rest waits for it to drain.
        blocked = true;
        for (; done < k; done++) {
          Queue(s, static_cast<uint8_t*>(iov[done].iov_base), iov[done].iov_len, to[done],
                msgs[done].msg_hdr.msg_namelen);
        }
        break;
      }
      // This datagram cannot go (no route, say): it alone is lost, as on the wire.
      s->dropped++;
      done++;
    }
  }
  UpdatePoll(s);
  napi_value r;
  napi_create_int32(env, sentNow, &r);
  return r;
}

// The socket a call names as its first argument, or nullptr (closing or not, unlike Unwrap).
Sock* First(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* p = nullptr;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok) return nullptr;
  return static_cast<Sock*>(p);
}

napi_value Close(napi_env env, napi_callback_info info) {
  Sock* s = First(env, info);
  if (s == nullptr || s->closing) return nullptr;
  // What waits for the socket gets one last try.
  DrainPending(s);
  napi_remove_env_cleanup_hook(env, Cleanup, s);
  Shut(s);
  // Inside the receive callback its references are still in use: Read releases them after.
  if (!s->inCallback) Release(s);
  return nullptr;
}

// stats(socket) → [received, sent, dropped, waiting]
napi_value Stats(napi_env env, napi_callback_info info) {
  Sock* s = First(env, info);
  if (s == nullptr) return nullptr;
  double v[4] = {s->received, s->sent, s->dropped, static_cast<double>(s->pending.size())};
  napi_value out;
  napi_create_array_with_length(env, 4, &out);
  for (int i = 0; i < 4; i++) {
    napi_value n;
    napi_create_double(env, v[i], &n);
    napi_set_element(env, out, i, n);
  }
  return out;
}

// The 16 bytes of an Int32Array of at least 4 elements, or nullptr.
void* Quad(napi_env env, napi_value v) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return nullptr;
  return type == napi_int32_array && length >= 4 ? data : nullptr;
}

// pton(address, out: Int32Array of 4) → 4, 6, or 0 when it is not an IP address.
napi_value Pton(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char host[64];
  size_t len = 0;
  napi_value r;
  int family = 0;
  void* out = Quad(env, argv[1]);
  if (out != nullptr && napi_get_value_string_utf8(env, argv[0], host, sizeof(host), &len) == napi_ok) {
    if (inet_pton(AF_INET, host, out) == 1) family = 4;
    else if (inet_pton(AF_INET6, host, out) == 1) family = 6;
  }
  napi_create_int32(env, family, &r);
  return r;
}

// ntop(family, Int32Array of 4) → the address as text
napi_value Ntop(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t family = 0;
  napi_get_value_int32(env, argv[0], &family);
  void* in = Quad(env, argv[1]);
  char text[INET6_ADDRSTRLEN] = "";
  if (in != nullptr) {
    inet_ntop(family == 6 ? AF_INET6 : AF_INET, in, text, sizeof(text));
  }
  napi_value r;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value Constant(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"send", nullptr, Send, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stats", nullptr, Stats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pton", nullptr, Pton, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ntop", nullptr, Ntop, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batch", nullptr, nullptr, nullptr, nullptr, Constant(env, kBatch), napi_default, nullptr},
      {"slot", nullptr, nullptr, nullptr, nullptr, Constant(env, static_cast<int>(kSlot)), napi_default, nullptr},
      {"meta", nullptr, nullptr, nullptr, nullptr, Constant(env, kMeta), napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
