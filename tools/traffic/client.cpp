// statecraft-traffic: keep-alive HTTP/1.1 client pool (Boost.Beast).
#include "tools/traffic/client.hpp"

#include "tools/traffic/signer.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <stdexcept>

namespace sc::traffic {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& ca_bundle, bool insecure) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  if (insecure) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  beast::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (!ca_bundle.empty()) {
    ctx->load_verify_file(ca_bundle, ec);
    if (ec)
      throw std::runtime_error("--ca-bundle: cannot read " + ca_bundle + ": " + ec.message());
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

std::optional<endpoint> parse_endpoint(std::string_view url, std::string& err) {
  endpoint ep;
  if (url.substr(0, 8) == "https://") {
    ep.tls = true;
    ep.port = "443";
    url.remove_prefix(8);
  } else if (url.substr(0, 7) == "http://") {
    url.remove_prefix(7);
  } else {
    err = "--endpoint must start with http:// or https://";
    return std::nullopt;
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) {
    err = "--endpoint must be http[s]://HOST[:PORT] (no path)";
    return std::nullopt;
  }
  ep.host_header = std::string(url);
  std::string_view host = url, port;
  if (url.front() == '[') {  // [v6]:port
    auto close = url.find(']');
    if (close == std::string_view::npos) {
      err = "--endpoint: unterminated [IPv6] address";
      return std::nullopt;
    }
    host = url.substr(1, close - 1);
    auto rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        err = "--endpoint: expected :PORT after ]";
        return std::nullopt;
      }
      port = rest.substr(1);
    }
  } else if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  if (host.empty()) {
    err = "--endpoint: empty host";
    return std::nullopt;
  }
  ep.host = std::string(host);
  if (!port.empty()) {
    for (char c : port)
      if (c < '0' || c > '9') {
        err = "--endpoint: port must be a number";
        return std::nullopt;
      }
    int p = std::stoi(std::string(port.substr(0, 6)));
    if (p < 1 || p > 65535) {
      err = "--endpoint: port out of range";
      return std::nullopt;
    }
    ep.port = std::string(port);
  }
  return ep;
}

class connection {
 public:
  explicit connection(pool& p) : pool_(p), tcp_(p.io_) {}

  void start(pool::pending&& job) {
    job_ = std::move(job);
    attempts_ = 0;
    res_ = http_result{};
    res_.queued = job_.queued;
    res_.sent = clock::now();
    begin();
  }

  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
    open_ = false;
    served_ = 0;
  }

  bool is_open() const { return open_; }

 private:
  void begin() {
    ++attempts_;
    if (open_) {
      write();
      return;
    }
    if (pool_.ep_.tls) {
      // A fresh TLS stream per connection (a closed one cannot be reused).
      tls_ = std::make_unique<tls_stream>(pool_.io_, *pool_.opts_.tls);
      SSL* s = tls_->native_handle();
      const std::string& h = pool_.ep_.host;
      beast::error_code not_ip;
      asio::ip::make_address(h, not_ip);
      if (not_ip) {  // a name: SNI and its check
        SSL_set_tlsext_host_name(s, h.c_str());
        SSL_set1_host(s, h.c_str());
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), h.c_str());
      }
    }
    lowest().expires_after(pool_.opts_.timeout);
    lowest().async_connect(pool_.resolved_, [this, alive = pool_.alive_](beast::error_code ec, const tcp::endpoint&) {
      if (!*alive) return;
      if (ec) return fail(ec, "connect");
      beast::error_code ignore;
      lowest().socket().set_option(tcp::no_delay(true), ignore);
      if (!tls_) {
        open_ = true;
        served_ = 0;
        return write();
      }
      tls_->async_handshake(asio::ssl::stream_base::client, [this, alive = pool_.alive_](beast::error_code ec) {
        if (!*alive) return;
        if (ec) return fail(ec, "TLS handshake");
        open_ = true;
        served_ = 0;
        write();
      });
    });
  }

  using tls_stream = beast::ssl_stream<beast::tcp_stream>;
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : tcp_; }

  void write() {
    req_ = {};
    req_.method_string(job_.method);
    req_.target(job_.path);
    req_.version(11);
    const auto& hh = pool_.ep_.host_header;
    req_.set(http::field::host, job_.sync_host ? "sync-" + hh : hh);
    req_.set(http::field::user_agent, "statecraft-traffic/1");
    if (!job_.target.empty()) {
      req_.set(http::field::content_type, "application/x-amz-json-1.0");
      req_.set("X-Amz-Target", "AWSStepFunctions." + job_.target);
      if (pool_.opts_.sign) {
        const std::string host = job_.sync_host ? "sync-" + hh : hh;
        auto h = pool_.opts_.sign->sign_now("POST", job_.path, host, "application/x-amz-json-1.0",
                                            "AWSStepFunctions." + job_.target, job_.body);
        req_.set("X-Amz-Date", h.amz_date);
        if (!h.security_token.empty()) req_.set("X-Amz-Security-Token", h.security_token);
        req_.set(http::field::authorization, h.authorization);
      } else {
        req_.set(http::field::authorization, pool_.authorization_);
      }
    } else {
      req_.set(http::field::content_type, "application/json");
      if (pool_.opts_.sign) {  // e.g. the admin routes of a node with auth:
        auto h = pool_.opts_.sign->sign_now(job_.method, job_.path, hh, "application/json", "",
                                            job_.body);
        req_.set("X-Amz-Date", h.amz_date);
        if (!h.security_token.empty()) req_.set("X-Amz-Security-Token", h.security_token);
        req_.set(http::field::authorization, h.authorization);
      }
    }
    req_.keep_alive(true);
    req_.body() = job_.body;
    req_.prepare_payload();
    lowest().expires_after(pool_.opts_.timeout);
    auto on_write = [this, alive = pool_.alive_](beast::error_code ec, size_t) {
      if (!*alive) return;
      if (ec) return fail(ec, "write");
      read();
    };
    if (tls_)
      http::async_write(*tls_, req_, std::move(on_write));
    else
      http::async_write(tcp_, req_, std::move(on_write));
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(256u << 20);
    parser_->header_limit(64u << 10);
    lowest().expires_after(pool_.opts_.timeout);
    auto on_read = [this, alive = pool_.alive_](beast::error_code ec, size_t) {
      if (!*alive) return;
      if (ec) return fail(ec, "read");
      auto& msg = parser_->get();
      res_.status = static_cast<int>(msg.result_int());
      if (auto it = msg.find("x-amzn-ErrorType"); it != msg.end())
        res_.error_type_header = std::string(it->value());
      res_.body = std::move(msg.body());
      bool keep = msg.keep_alive();
      parser_.reset();
      ++served_;
      if (!keep) close();
      done();
    };
    if (tls_)
      http::async_read(*tls_, buf_, *parser_, std::move(on_read));
    else
      http::async_read(tcp_, buf_, *parser_, std::move(on_read));
  }

  void fail(beast::error_code ec, const char* stage) {
    // A keep-alive connection the server closed while idle fails on the
    // first write or before any byte of the answer: retry once on a fresh
    // connection (the request was not processed).
    bool stale = served_ > 0 && attempts_ == 1 && !pool_.closing_ &&
                 (std::string_view(stage) == "write" ||
                  (std::string_view(stage) == "read" &&
                   (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                    ec == asio::error::eof || ec == asio::error::broken_pipe) &&
                   parser_ && !parser_->got_some()));
    close();
    buf_.consume(buf_.size());
    parser_.reset();
    if (stale) {
      begin();
      return;
    }
    res_.status = 0;
    if (pool_.closing_ || ec == asio::error::operation_aborted)
      res_.transport_error = "cancelled";
    else if (ec == beast::error::timeout)
      res_.transport_error = std::string(stage) + " timeout";
    else
      res_.transport_error = std::string(stage) + ": " + ec.message();
    done();
  }

  void done() {
    res_.done = clock::now();
    auto cb = std::move(job_.cb);
    job_ = pool::pending{};
    http_result r = std::move(res_);
    pool_.finished(this);  // back to idle before the callback: it may queue more work
    if (cb) cb(r);
    pool_.pump();
  }

  pool& pool_;
  beast::tcp_stream tcp_;             ///< http://
  std::unique_ptr<tls_stream> tls_;  ///< https:// (the current connection's)
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  pool::pending job_;
  http_result res_;
  bool open_ = false;
  int served_ = 0;
  int attempts_ = 0;
};

pool::pool(asio::io_context& io, const endpoint& ep, options opts) : io_(io), ep_(ep), opts_(std::move(opts)) {
  tcp::resolver resolver(io_);
  beast::error_code ec;
  auto results = resolver.resolve(ep_.host, ep_.port, ec);
  if (ec) throw std::runtime_error("cannot resolve " + ep_.host + ":" + ep_.port + ": " + ec.message());
  for (auto& r : results) resolved_.push_back(r.endpoint());
  if (resolved_.empty()) throw std::runtime_error("no address for " + ep_.host);
  if (ep_.tls && !opts_.tls) opts_.tls = make_tls_context("", false);
  authorization_ =
      "AWS4-HMAC-SHA256 Credential=statecraft-traffic/20240101/" + opts_.region +
      "/states/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=" + std::string(64, '0');
  if (opts_.connections == 0) opts_.connections = 1;
  conns_.reserve(opts_.connections);
  for (size_t i = 0; i < opts_.connections; ++i) {
    conns_.push_back(std::make_unique<connection>(*this));
    idle_.push_back(conns_.back().get());
  }
}

pool::~pool() {
  *alive_ = false;
  for (auto& c : conns_) c->close();
}

size_t pool::open_connections() const {
  size_t n = 0;
  for (auto& c : conns_) n += c->is_open();
  return n;
}

void pool::call(std::string_view op, std::string body, bool sync_host, http_callback cb) {
  pending p;
  p.method = "POST";
  p.path = "/";
  p.target = std::string(op);
  p.body = std::move(body);
  p.sync_host = sync_host;
  p.cb = std::move(cb);
  p.queued = clock::now();
  enqueue(std::move(p));
}

void pool::call_raw(std::string method, std::string path, std::string body, http_callback cb) {
  pending p;
  p.method = std::move(method);
  p.path = std::move(path);
  p.body = std::move(body);
  p.cb = std::move(cb);
  p.queued = clock::now();
  enqueue(std::move(p));
}

void pool::enqueue(pending p) {
  if (closing_) {
    // Fail asynchronously, never re-entrantly.
    asio::post(io_, [cb = std::move(p.cb), q = p.queued, alive = alive_] {
      if (!*alive) return;
      http_result r;
      r.transport_error = "cancelled";
      r.queued = r.sent = q;
      r.done = clock::now();
      if (cb) cb(r);
    });
    return;
  }
  queue_.push_back(std::move(p));
  pump();
}

void pool::pump() {
  while (!queue_.empty() && !idle_.empty() && !closing_) {
    connection* c = idle_.back();
    idle_.pop_back();
    ++busy_;
    pending p = std::move(queue_.front());
    queue_.pop_front();
    c->start(std::move(p));
  }
}

void pool::finished(connection* c) {
  --busy_;
  idle_.push_back(c);
}

void pool::close_all() {
  closing_ = true;
  auto q = std::move(queue_);
  queue_.clear();
  for (auto& p : q) {
    asio::post(io_, [cb = std::move(p.cb), t = p.queued, alive = alive_] {
      if (!*alive) return;
      http_result r;
      r.transport_error = "cancelled";
      r.queued = r.sent = t;
      r.done = clock::now();
      if (cb) cb(r);
    });
  }
  for (auto& c : conns_) c->close();
}

}  // namespace sc::traffic
