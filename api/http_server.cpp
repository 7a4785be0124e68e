// Boost.Beast HTTP server: one acceptor, a session per connection,
// keep-alive, pipelined requests answered in order (one in flight per
// connection, as HTTP/1.1 clients expect).
//
// A request is read with a body limit; a parse error or an oversized body
// gets an AWS-style error and the connection is closed, and nothing a
// client sends can stop the server. Handlers answer through a responder
// that may be called from any thread: it posts the response back onto the
// session's strand. Long polls therefore park no thread.
#include "api/http_server.hpp"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

#include <array>
#include <optional>
#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <cerrno>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace sc::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

std::string error_body(const std::string& type, const std::string& message) {
  std::string out = "{\"__type\":\"com.amazonaws.swf.service.v2.model#" + type +
                    "\",\"message\":\"";
  for (char c : message) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"}";
}

/// Open connections, in all and per client address, shared by the
/// acceptor (which admits) and the sessions (which leave, on any thread).
struct connection_table {
  std::atomic<size_t> total{0};
  std::mutex mu;
  std::unordered_map<std::string, size_t> per_client;

  bool admit(const std::string& addr, const server_options& o) {
    if (total.load() >= o.max_connections) return false;
    if (o.max_connections_per_client > 0) {
      std::lock_guard lock(mu);
      size_t& n = per_client[addr];
      if (n >= o.max_connections_per_client) return false;
      ++n;
    }
    ++total;
    return true;
  }
  void leave(const std::string& addr, const server_options& o) {
    if (o.max_connections_per_client > 0) {
      std::lock_guard lock(mu);
      auto it = per_client.find(addr);
      if (it != per_client.end() && --it->second == 0) per_client.erase(it);
    }
    --total;
  }
};

std::chrono::milliseconds seconds_ms(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

/// One connection, plain (Stream = beast::tcp_stream) or TLS (Stream =
/// tls_stream: the handshake first, bounded by the header timeout).
/// Timeouts: waiting for a request to start is bounded by
/// the idle timeout, reading it (head and body, from its first byte) by the
/// header timeout, writing an answer by the idle timeout; while a handler
/// works (a long poll) nothing is read, so nothing times out.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
  using std::enable_shared_from_this<session<Stream>>::shared_from_this;

 public:
  template <class... TlsArgs>
  session(tcp::socket s, handler& h, const server_options& o, connection_table& table,
          std::string addr, TlsArgs&... tls)
      : stream_(std::move(s), tls...), handler_(h), opts_(o), limit_(o.max_request_bytes),
        table_(table), addr_(std::move(addr)) {}
  ~session() { release_slot(); }

  void start() {
    if constexpr (is_tls) {
      lowest().expires_after(seconds_ms(opts_.header_timeout_seconds));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = shared_from_this()](beast::error_code ec) {
                                self->lowest().expires_never();
                                if (ec) return self->shutdown();
                                self->read();
                              });
    } else {
      read();
    }
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  tcp::socket& sock() { return lowest().socket(); }

  /// Gives the connection's place back (once), when its socket closes: a
  /// long poll whose client hung up no longer counts while its answer waits.
  void release_slot() {
    if (counted_.exchange(false)) table_.leave(addr_, opts_);
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(limit_);
    parser_->header_limit(16 * 1024);
    // A pipelined request already buffered: read it at once. Otherwise wait
    // for its first bytes no longer than the idle timeout.
    if (buffer_.size() > 0) return read_request();
    lowest().expires_after(seconds_ms(opts_.idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->shutdown();  // hang-up or idle
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    // Most requests arrive whole in one read: parse what is buffered first,
    // and arm the header timer only when more has to be read.
    parser_->eager(true);
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || used == 0) break;
    }
    if (ec || parser_->is_done()) return on_read(ec);
    lowest().expires_after(seconds_ms(opts_.header_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    lowest().expires_never();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == ssl::error::stream_truncated ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout) {
      return shutdown();
    }
    if (ec == http::error::body_limit) {
      response r;
      r.status = 413;
      r.error_type = "RequestEntityTooLargeException";
      r.body = error_body(r.error_type, "Request body is larger than the limit of " +
                                            std::to_string(limit_) + " bytes");
      return write(std::move(r), false);
    }
    if (ec) {
      response r;
      r.status = 400;
      r.error_type = "SerializationException";
      r.body = error_body(r.error_type, "Malformed HTTP request: " + ec.message());
      return write(std::move(r), false);
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    request req;
    req.method = std::string(msg.method_string());
    req.path = std::string(msg.target());
    req.target = std::string(msg["X-Amz-Target"]);
    req.host = std::string(msg[http::field::host]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.body = std::move(msg.body());
    req.authorization = std::string(msg[http::field::authorization]);
    req.tls = is_tls;
    if (opts_.keep_headers) {
      req.headers.reserve(16);
      for (const auto& f : msg) {
        std::string name(f.name_string());
        for (char& ch : name)
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        req.headers.emplace_back(std::move(name), std::string(f.value()));
      }
    }
    // The request is copied out: free the parsed headers and, for a long
    // poll, the read buffer too when no pipelined request waits in it: a
    // parked GetActivityTask then holds little more than its socket. (Other
    // requests keep the buffer: it is reused for the next one at once.)
    const bool long_poll = req.target == "AWSStepFunctions.GetActivityTask";
    parser_.reset();
    if (long_poll && buffer_.size() == 0) buffer_.shrink_to_fit();
    closed_ = false;
    auto self = shared_from_this();
    auto weak = std::weak_ptr<session>(self);
    auto exec = stream_.get_executor();
    // The responder owns the session until the answer is written: nothing
    // else may be holding it while a handler (a long poll) is working. The
    // write is always posted, also from the connection's own thread: writing
    // inside handle() measured ~10 % fewer activity tasks/s.
    responder done = [self, exec](response r) {
      asio::post(exec, [self, r = std::move(r)]() mutable {
        self->write(std::move(r), self->keep_alive_);
      });
    };
    liveness alive = [weak] {
      auto s = weak.lock();
      return s && !s->closed_.load();
    };
    // Only a long poll can wait long enough for its client to give up.
    if (long_poll) watch_close();
    handler_.handle(std::move(req), std::move(done), std::move(alive));
  }

  /// While a request is in flight, notice a client that hangs up (a worker
  /// giving up on a long poll) so its poll is not handed a task.
  void watch_close() {
    sock().async_wait(
        tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            if (ec != asio::error::operation_aborted) self->hang_up();
            return;
          }
          // Readable while a request is in flight: either the client hung up
          // (EOF) or it pipelined another request (data; leave it for read).
          char byte;
          ssize_t n = ::recv(self->sock().native_handle(), &byte, 1,
                             MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) self->hang_up();
        });
  }

  /// The client of a request in flight hung up: its descriptor and its
  /// place are given back now, not when the handler answers (a parked
  /// poll's answer may be a minute away); the answer is then dropped.
  void hang_up() {
    closed_ = true;
    beast::error_code ec;
    sock().close(ec);
    release_slot();
  }

  void write(response r, bool keep_alive) {
    if (closed_) return;  // the client hung up while its request was handled
    // The head is written by hand and sent with the body in one gather
    // write: beast's header container and serializer took ~15 % of the io
    // thread per activity task (perf, docs/benchmarks.md session 7).
    auto out = std::make_shared<std::pair<std::string, std::string>>();
    std::string& head = out->first;
    head.reserve(224);
    head += "HTTP/1.1 ";
    head += std::to_string(r.status);
    head += ' ';
    auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    head.append(reason.data(), reason.size());
    head += "\r\nServer: statecraft\r\nContent-Type: ";
    head += r.content_type.empty() ? std::string_view("application/x-amz-json-1.0")
                                   : std::string_view(r.content_type);
    head += "\r\nx-amzn-RequestId: ";
    head += request_id();
    if (!r.error_type.empty()) {
      head += "\r\nx-amzn-ErrorType: ";
      head += r.error_type;
    }
    head += "\r\nContent-Length: ";
    head += std::to_string(r.body.size());
    head += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    if constexpr (is_tls) {
      // One buffer over TLS: asio's SSL stream writes only the first buffer
      // of a sequence per write_some, and a head + large body (the console's
      // app.js) then stalled after the head (tests/console/test_console_auth.py).
      head += r.body;
    } else {
      out->second = std::move(r.body);
    }
    std::array<asio::const_buffer, 2> bufs{asio::buffer(out->first), asio::buffer(out->second)};
    lowest().expires_after(seconds_ms(opts_.idle_timeout_seconds));
    asio::async_write(stream_, bufs,
                      [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                        self->lowest().expires_never();
                        if (ec || !keep_alive) return self->shutdown();
                        self->read();
                      });
  }

  std::string request_id() {
    static std::atomic<uint64_t> n{1};
    uint64_t v = n.fetch_add(1);
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(v & 0xFFFFFFFFFFFFull));
    return buf;
  }

  void shutdown() {
    closed_ = true;
    beast::error_code ec;
    sock().shutdown(tcp::socket::shutdown_send, ec);
    sock().close(ec);
    release_slot();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  handler& handler_;
  const server_options& opts_;
  size_t limit_;
  connection_table& table_;
  std::string addr_;
  std::atomic<bool> counted_{true};
  bool keep_alive_ = true;
  std::atomic<bool> closed_{false};
};

}  // namespace

/// One io_context per io thread, each run by exactly that thread: a
/// connection lives on one of them (round robin at accept), so its handlers
/// never run concurrently (no strand needed) and the threads share no
/// scheduler lock. A handler that blocks (a synchronous Redis call) stalls
/// only the connections of its own thread.
struct http_server::impl {
  using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;

  server_options opts;
  handler& h;
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<work_guard> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  size_t next = 0;  ///< round robin (touched by the accepting thread only)
  connection_table connections;
  std::unique_ptr<asio::steady_timer> backoff;  ///< accepting paused (no descriptors)
  int backoff_ms = 0;
  std::atomic<bool> stopped{false};
  std::unique_ptr<ssl::context> tls;  ///< set = HTTPS listener

  impl(server_options o, handler& hh) : opts(std::move(o)), h(hh) {
    size_t n = static_cast<size_t>(std::max(opts.io_threads, 1));
    for (size_t i = 0; i < n; ++i) {
      iocs.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(iocs.back()->get_executor());
    }
    acceptor = std::make_unique<tcp::acceptor>(*iocs[0]);
    backoff = std::make_unique<asio::steady_timer>(*iocs[0]);
  }

  void accept() {
    auto& ioc = *iocs[next++ % iocs.size()];
    acceptor->async_accept(ioc.get_executor(), [this](beast::error_code ec, tcp::socket s) {
      if (stopped) return;
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
          ec == asio::error::no_memory || ec.value() == ENFILE) {
        // Out of descriptors: retrying at once only spins. Pause accepting
        // (clients wait in the listen backlog) and try again, backing off
        // up to a second while the shortage lasts.
        backoff_ms = std::min(backoff_ms ? backoff_ms * 2 : 10, 1000);
        backoff->expires_after(std::chrono::milliseconds(backoff_ms));
        backoff->async_wait([this](beast::error_code e) {
          if (!e && !stopped) accept();
        });
        return;
      }
      backoff_ms = 0;
      if (!ec) {
        beast::error_code ignore;
        auto ep = s.remote_endpoint(ignore);
        std::string addr = ignore ? std::string() : ep.address().to_string();
        if (!connections.admit(addr, opts)) {
          s.close(ignore);  // full, in all or for this client
        } else {
          s.set_option(tcp::no_delay(true), ignore);
          if (tls)
            std::make_shared<session<tls_stream>>(std::move(s), h, opts, connections,
                                                  std::move(addr), *tls)
                ->start();
          else
            std::make_shared<session<beast::tcp_stream>>(std::move(s), h, opts, connections,
                                                         std::move(addr))
                ->start();
        }
      }
      accept();
    });
  }
};

http_server::http_server(server_options opts, handler& h)
    : impl_(std::make_unique<impl>(std::move(opts), h)) {}

http_server::~http_server() = default;

namespace {

/// The HTTPS context: TLS 1.2 and later, the certificate chain and key
/// from PEM files (checked to match).
std::unique_ptr<ssl::context> make_tls_context(const server_options& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    throw std::runtime_error("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  beast::error_code ec;
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec)
    throw std::runtime_error("cannot load the TLS certificate " + o.tls_cert_file + ": " +
                             ec.message());
  ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("cannot load the TLS key " + o.tls_key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("the TLS key " + o.tls_key_file + " does not match the certificate " +
                             o.tls_cert_file);
  return ctx;
}

}  // namespace

void http_server::start() {
  if (!impl_->opts.tls_cert_file.empty() || !impl_->opts.tls_key_file.empty())
    impl_->tls = make_tls_context(impl_->opts);
  beast::error_code ec;
  auto addr = asio::ip::make_address(impl_->opts.bind, ec);
  if (ec) throw std::runtime_error("invalid bind address '" + impl_->opts.bind + "'");
  tcp::endpoint ep(addr, static_cast<unsigned short>(impl_->opts.port));
  auto& acc = *impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + impl_->opts.bind + ":" +
                             std::to_string(impl_->opts.port) + ": " + ec.message());
  impl_->accept();
}

int http_server::port() const { return impl_->acceptor->local_endpoint().port(); }

void http_server::run() {
  std::vector<std::thread> extra;
  for (size_t i = 1; i < impl_->iocs.size(); ++i)
    extra.emplace_back([this, i] { impl_->iocs[i]->run(); });
  impl_->iocs[0]->run();
  for (auto& t : extra) t.join();
}

void http_server::stop() {
  asio::post(*impl_->iocs[0], [this] {
    impl_->stopped = true;
    beast::error_code ec;
    impl_->acceptor->close(ec);
    impl_->backoff->cancel();
    for (auto& ioc : impl_->iocs) ioc->stop();
  });
}

}  // namespace sc::api
