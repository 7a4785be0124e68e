// outbound_http: see the header for the interface and its guarantees.
//
// One `op` per call, bound to its own strand: resolve → (allow-list) →
// connect → (TLS handshake) → write → read → callback. A steady_timer armed
// at call() time is the call's total deadline (queue wait included); the
// connect timeout is the tcp_stream's expiry during connect and handshake.
// Every handler first checks `finished`, so the first outcome wins and
// later completions (operation_aborted after a close) are ignored.
#include "actors/outbound_http.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace sc::outbound {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

std::string_view to_string(error_kind k) {
  switch (k) {
    case error_kind::none: return "none";
    case error_kind::invalid_request: return "invalid_request";
    case error_kind::host_not_allowed: return "host_not_allowed";
    case error_kind::dns_failure: return "dns_failure";
    case error_kind::connection_refused: return "connection_refused";
    case error_kind::connect_failed: return "connect_failed";
    case error_kind::tls_failure: return "tls_failure";
    case error_kind::timeout: return "timeout";
    case error_kind::body_too_large: return "body_too_large";
    case error_kind::protocol_error: return "protocol_error";
    case error_kind::shutdown: return "shutdown";
  }
  return "unknown";
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
      return false;
  return h.front() != '.' && h.find("..") == std::string_view::npos;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// Address bytes (4 or 16) of a textual IP; v4-mapped IPv6 becomes IPv4.
bool address_bytes(std::string_view text, bool& v6, unsigned char out[16]) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(text), ec);
  if (ec) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    v6 = false;
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out);
  } else {
    v6 = true;
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), out);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- parse_url

std::optional<url_parts> parse_url(std::string_view url, std::string& err) {
  url_parts u;
  auto colon = url.find("://");
  if (colon == std::string_view::npos) {
    err = "URL must start with http:// or https://";
    return std::nullopt;
  }
  auto scheme = url.substr(0, colon);
  if (iequals(scheme, "https")) {
    u.tls = true;
  } else if (!iequals(scheme, "http")) {
    err = "URL scheme must be http or https";
    return std::nullopt;
  }
  auto rest = url.substr(colon + 3);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      err = "URL path contains spaces or control characters";
      return std::nullopt;
    }
  u.target = target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  if (authority.find('@') != std::string_view::npos) {
    err = "URL must not contain user information";
    return std::nullopt;
  }
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      err = "URL has an unterminated [IPv6] address";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        err = "URL has characters after the [IPv6] address";
        return std::nullopt;
      }
      port = after.substr(1);
    }
    boost::system::error_code ec;
    asio::ip::make_address_v6(std::string(host), ec);
    if (ec) {
      err = "URL has an invalid IPv6 address";
      return std::nullopt;
    }
    u.host_is_ip = true;
  } else {
    auto c = authority.rfind(':');
    host = authority.substr(0, c);
    if (c != std::string_view::npos) port = authority.substr(c + 1);
    if (!valid_host_name(host)) {
      err = "URL has an invalid or empty host";
      return std::nullopt;
    }
    boost::system::error_code ec;
    asio::ip::make_address_v4(std::string(host), ec);
    u.host_is_ip = !ec;
  }
  u.host = lower(host);
  if (!u.host.empty() && u.host.back() == '.') u.host.pop_back();
  if (port.empty()) {
    u.port = u.tls ? 443 : 80;
  } else {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      err = "URL port must be a number";
      return std::nullopt;
    }
    int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) {
      err = "URL port out of range";
      return std::nullopt;
    }
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

// ---------------------------------------------------------------- allow_list

bool allow_list::valid_entry(std::string_view e, std::string& err) {
  if (e.empty()) {
    err = "empty entry";
    return false;
  }
  bool v6 = false;
  unsigned char b[16];
  if (auto slash = e.find('/'); slash != std::string_view::npos) {
    if (!address_bytes(e.substr(0, slash), v6, b)) {
      err = "'" + std::string(e) + "': not an IP address before '/'";
      return false;
    }
    auto pre = e.substr(slash + 1);
    if (pre.empty() || pre.size() > 3 ||
        !std::all_of(pre.begin(), pre.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(pre)) > (v6 ? 128 : 32)) {
      err = "'" + std::string(e) + "': prefix length must be 0-" + (v6 ? "128" : "32");
      return false;
    }
    return true;
  }
  if (address_bytes(e, v6, b)) return true;
  auto name = e.substr(0, 2) == "*." ? e.substr(2) : e;
  if (!valid_host_name(name)) {
    err = "'" + std::string(e) + "': not a host name, *.domain, IP address or CIDR network";
    return false;
  }
  return true;
}

allow_list::allow_list(const std::vector<std::string>& entries) {
  for (const auto& e : entries) {
    std::string err;
    if (!valid_entry(e, err)) continue;  // config validation reports it
    net n;
    if (auto slash = e.find('/'); slash != std::string::npos) {
      address_bytes(std::string_view(e).substr(0, slash), n.v6, n.bytes);
      n.prefix = std::stoi(e.substr(slash + 1));
      nets_.push_back(n);
    } else if (address_bytes(e, n.v6, n.bytes)) {
      n.prefix = n.v6 ? 128 : 32;
      nets_.push_back(n);
    } else {
      std::string name = lower(e);
      if (name.back() == '.') name.pop_back();
      names_.push_back(std::move(name));
    }
  }
}

bool allow_list::allows_name(std::string_view host_in) const {
  std::string host = lower(host_in);
  if (!host.empty() && host.back() == '.') host.pop_back();
  for (const auto& n : names_) {
    if (n.rfind("*.", 0) == 0) {
      std::string_view suffix = std::string_view(n).substr(1);  // ".example.com"
      if (host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
    } else if (host == n) {
      return true;
    }
  }
  return false;
}

bool allow_list::allows_address(std::string_view ip) const {
  bool v6 = false;
  unsigned char b[16];
  if (!address_bytes(ip, v6, b)) return false;
  for (const auto& n : nets_) {
    if (n.v6 != v6) continue;
    int bits = n.prefix, i = 0;
    bool match = true;
    for (; bits >= 8; bits -= 8, ++i)
      if (b[i] != n.bytes[i]) {
        match = false;
        break;
      }
    if (match && bits > 0) {
      unsigned char mask = static_cast<unsigned char>(0xff << (8 - bits));
      match = (b[i] & mask) == (n.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

// ---------------------------------------------------------------- client

namespace {
class op;
}

struct client::impl {
  client_options opts;
  allow_list allow;
  asio::io_context io;
  ssl::context tls{ssl::context::tls_client};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::string tls_setup_error;  ///< a bad ca_file: every https call fails with it

  mutable std::mutex mu;
  std::deque<std::shared_ptr<op>> queue;
  std::set<std::shared_ptr<op>> running;
  bool stopped = false;

  explicit impl(client_options o) : opts(std::move(o)), allow(opts.allow) {}

  void launch_locked();            ///< starts queued calls while slots are free (mu held)
  void release(const std::shared_ptr<op>& o);
  bool dequeue(const std::shared_ptr<op>& o);  ///< true: it was still queued
};

namespace {

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

class op : public std::enable_shared_from_this<op> {
 public:
  op(client::impl& owner, request req, call_options opts, callback done, url_parts url)
      : owner_(owner),
        strand_(asio::make_strand(owner.io)),
        req_(std::move(req)),
        opts_(opts),
        done_(std::move(done)),
        url_(std::move(url)),
        deadline_(steady::now() + opts.total_timeout),
        timer_(strand_),
        resolver_(strand_) {}

  /// Arms the total deadline (called once, right after enqueueing).
  void arm() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->on_deadline();
    });
  }

  /// Posted to the strand when a slot is free.
  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->begin(); });
  }

  /// From stop(): fails the call on its strand.
  void abort() {
    asio::post(strand_, [self = shared_from_this()] {
      self->owner_.dequeue(self);
      self->finish(error_kind::shutdown, "the outbound HTTP client was stopped");
    });
  }

 private:
  std::string where() const { return url_.host + ":" + std::to_string(url_.port); }

  void on_deadline() {
    if (finished_) return;
    owner_.dequeue(shared_from_this());
    finish(error_kind::timeout,
           "no complete response from " + where() + " within " +
               std::to_string(opts_.total_timeout.count()) + " ms");
  }

  void begin() {
    if (finished_) return;
    if (url_.tls && !owner_.tls_setup_error.empty())
      return finish(error_kind::tls_failure, owner_.tls_setup_error);
    const auto& allow = owner_.allow;
    name_allowed_ = allow.anywhere() || (!url_.host_is_ip && allow.allows_name(url_.host));
    if (!name_allowed_ && (url_.host_is_ip || !allow.has_networks()))
      if (!url_.host_is_ip || !allow.allows_address(url_.host))
        return finish(error_kind::host_not_allowed,
                      "the outbound allow-list does not allow host " + url_.host);
    connect_deadline_ = std::min(deadline_, steady::now() + opts_.connect_timeout);
    if (url_.host_is_ip) {
      boost::system::error_code ec;
      endpoints_.emplace_back(asio::ip::make_address(url_.host, ec), url_.port);
      return connect();
    }
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            beast::bind_front_handler(&op::on_resolve, shared_from_this()));
  }

  void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return finish(error_kind::dns_failure, "could not resolve host " + url_.host + ": " + ec.message());
    for (const auto& r : results) {
      auto ep = r.endpoint();
      if (name_allowed_ || owner_.allow.allows_address(ep.address().to_string()))
        endpoints_.push_back(ep);
    }
    if (endpoints_.empty())
      return finish(error_kind::host_not_allowed,
                    "the outbound allow-list does not allow host " + url_.host +
                        " (none of its addresses is allowed)");
    connect();
  }

  void connect() {
    if (url_.tls) {
      tls_.emplace(strand_, owner_.tls);
      SSL* s = tls_->native_handle();
      if (url_.host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), url_.host.c_str());
      } else {
        SSL_set_tlsext_host_name(s, url_.host.c_str());
        SSL_set1_host(s, url_.host.c_str());
      }
      tls_->set_verify_mode(ssl::verify_peer);
    } else {
      plain_.emplace(strand_);
    }
    auto& low = lowest();
    low.expires_at(connect_deadline_);
    low.async_connect(endpoints_, beast::bind_front_handler(&op::on_connect, shared_from_this()));
  }

  plain_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void on_connect(boost::system::error_code ec, const tcp::endpoint&) {
    if (finished_) return;
    if (ec == beast::error::timeout)
      return finish(error_kind::timeout, "connecting to " + where() + " timed out after " +
                                             std::to_string(opts_.connect_timeout.count()) + " ms");
    if (ec == asio::error::connection_refused)
      return finish(error_kind::connection_refused, "connection refused by " + where());
    if (ec) return finish(error_kind::connect_failed, "could not connect to " + where() + ": " + ec.message());
    if (!tls_) return write();
    lowest().expires_at(connect_deadline_);
    tls_->async_handshake(ssl::stream_base::client,
                          beast::bind_front_handler(&op::on_handshake, shared_from_this()));
  }

  void on_handshake(boost::system::error_code ec) {
    if (finished_) return;
    if (ec == beast::error::timeout)
      return finish(error_kind::timeout, "TLS handshake with " + where() + " timed out");
    if (ec) {
      std::string msg = "TLS handshake with " + where() + " failed: " + ec.message();
      long v = SSL_get_verify_result(tls_->native_handle());
      if (v != X509_V_OK) msg += std::string(" (certificate: ") + X509_verify_cert_error_string(v) + ")";
      return finish(error_kind::tls_failure, msg);
    }
    write();
  }

  void write() {
    auto& r = hreq_;
    r.version(11);
    r.method_string(req_.method);
    r.target(url_.target);
    bool has_host = false, has_agent = false;
    for (const auto& [k, v] : req_.headers) {
      if (iequals(k, "content-length") || iequals(k, "transfer-encoding") || iequals(k, "connection"))
        continue;  // the client owns framing
      has_host |= iequals(k, "host");
      has_agent |= iequals(k, "user-agent");
      r.insert(k, v);
    }
    if (!has_host) {
      std::string h = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
      if (url_.port != (url_.tls ? 443 : 80)) h += ":" + std::to_string(url_.port);
      r.set(http::field::host, h);
    }
    if (!has_agent && !owner_.opts.user_agent.empty()) r.set(http::field::user_agent, owner_.opts.user_agent);
    r.keep_alive(false);
    r.body() = std::move(req_.body);
    const auto& m = req_.method;
    if (!r.body().empty() || m == "POST" || m == "PUT" || m == "PATCH") r.content_length(r.body().size());
    lowest().expires_at(deadline_);
    auto h = beast::bind_front_handler(&op::on_write, shared_from_this());
    if (tls_) http::async_write(*tls_, hreq_, std::move(h));
    else http::async_write(*plain_, hreq_, std::move(h));
  }

  void on_write(boost::system::error_code ec, std::size_t) {
    if (finished_) return;
    if (ec == beast::error::timeout) return on_deadline();
    if (ec) return finish(error_kind::protocol_error, "sending the request to " + where() + " failed: " + ec.message());
    parser_.emplace();
    parser_->body_limit(cap());
    parser_->header_limit(64 * 1024);
    if (req_.method == "HEAD") parser_->skip(true);
    lowest().expires_at(deadline_);
    // The header first: Beast 1.74 can lose the body_limit error when the
    // header and the body arrive in one read, so a declared Content-Length
    // is checked here (before string_body reserves it) and the size again
    // at the end.
    auto h = beast::bind_front_handler(&op::on_header, shared_from_this());
    if (tls_) http::async_read_header(*tls_, buf_, *parser_, std::move(h));
    else http::async_read_header(*plain_, buf_, *parser_, std::move(h));
  }

  std::size_t cap() const { return opts_.max_body_bytes ? opts_.max_body_bytes : owner_.opts.max_body_bytes; }

  void too_large() {
    finish(error_kind::body_too_large,
           "the response body from " + where() + " is larger than " + std::to_string(cap()) + " bytes");
  }

  void on_header(boost::system::error_code ec, std::size_t) {
    if (finished_) return;
    if (ec == ssl::error::stream_truncated && parser_->is_header_done()) ec = {};
    if (ec == http::error::body_limit) return too_large();
    if (ec == beast::error::timeout) return on_deadline();
    if (ec) return finish(error_kind::protocol_error, "reading the response from " + where() + " failed: " + ec.message());
    if (auto len = parser_->content_length(); len && *len > cap()) return too_large();
    if (parser_->is_done()) return on_read({}, 0);
    auto h = beast::bind_front_handler(&op::on_read, shared_from_this());
    if (tls_) http::async_read(*tls_, buf_, *parser_, std::move(h));
    else http::async_read(*plain_, buf_, *parser_, std::move(h));
  }

  void on_read(boost::system::error_code ec, std::size_t) {
    if (finished_) return;
    if (ec == ssl::error::stream_truncated && parser_->is_header_done()) {
      // A server closing without close_notify; a body delimited by the
      // end of the connection is still complete.
      ec = {};
      if (!parser_->is_done()) parser_->put_eof(ec);
    }
    if (ec == http::error::body_limit) return too_large();
    if (ec == beast::error::timeout) return on_deadline();
    if (ec) return finish(error_kind::protocol_error, "reading the response from " + where() + " failed: " + ec.message());
    if (parser_->get().body().size() > cap()) return too_large();
    auto msg = parser_->release();
    result res;
    res.response.status = static_cast<int>(msg.result_int());
    res.response.reason = std::string(msg.reason());
    for (const auto& f : msg) res.response.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    res.response.body = std::move(msg.body());
    complete(std::move(res));
  }

  void finish(error_kind k, std::string message) {
    result res;
    res.error = k;
    res.message = std::move(message);
    complete(std::move(res));
  }

  void complete(result res) {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    if (tls_ || plain_) lowest().socket().close(ignored);
    auto self = shared_from_this();
    owner_.release(self);
    auto done = std::move(done_);
    if (done) done(std::move(res));
  }

  client::impl& owner_;
  asio::strand<asio::io_context::executor_type> strand_;
  request req_;
  call_options opts_;
  callback done_;
  url_parts url_;
  steady::time_point deadline_;
  steady::time_point connect_deadline_;
  asio::steady_timer timer_;
  tcp::resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;
  std::optional<plain_stream> plain_;
  std::optional<tls_stream> tls_;
  beast::flat_buffer buf_;
  http::request<http::string_body> hreq_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool finished_ = false;
  bool name_allowed_ = false;
};

}  // namespace

void client::impl::launch_locked() {
  while (!stopped && !queue.empty() && running.size() < std::max<std::size_t>(1, opts.max_concurrent)) {
    auto o = queue.front();
    queue.pop_front();
    running.insert(o);
    o->start();
  }
}

void client::impl::release(const std::shared_ptr<op>& o) {
  std::lock_guard lk(mu);
  running.erase(o);
  launch_locked();
}

bool client::impl::dequeue(const std::shared_ptr<op>& o) {
  std::lock_guard lk(mu);
  auto it = std::find(queue.begin(), queue.end(), o);
  if (it == queue.end()) return false;
  queue.erase(it);
  return true;
}

client::client(client_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  auto& i = *impl_;
  boost::system::error_code ec;
  i.tls.set_default_verify_paths(ec);
  if (!i.opts.ca_file.empty()) {
    i.tls.load_verify_file(i.opts.ca_file, ec);
    if (ec) i.tls_setup_error = "could not load the trusted CA file " + i.opts.ca_file + ": " + ec.message();
  }
  i.tls.set_verify_mode(ssl::verify_peer);
  i.work.emplace(asio::make_work_guard(i.io));
  int n = std::max(1, i.opts.threads);
  for (int t = 0; t < n; ++t) i.threads.emplace_back([&i] { i.io.run(); });
}

client::~client() { stop(); }

void client::call(request req, call_options opts, callback done) {
  auto fail = [&](error_kind k, std::string msg) {
    result r;
    r.error = k;
    r.message = std::move(msg);
    if (done) done(std::move(r));
  };
  std::string err;
  auto url = parse_url(req.url, err);
  if (!url) return fail(error_kind::invalid_request, err);
  if (req.method.empty() || !std::all_of(req.method.begin(), req.method.end(), is_token_char))
    return fail(error_kind::invalid_request, "invalid HTTP method");
  for (const auto& [k, v] : req.headers) {
    if (k.empty() || !std::all_of(k.begin(), k.end(), is_token_char))
      return fail(error_kind::invalid_request, "invalid header name");
    if (v.find_first_of("\r\n") != std::string::npos || v.find('\0') != std::string::npos)
      return fail(error_kind::invalid_request, "header values must not contain CR, LF or NUL");
  }
  auto& i = *impl_;
  std::unique_lock lk(i.mu);
  if (i.stopped) {
    lk.unlock();
    return fail(error_kind::shutdown, "the outbound HTTP client was stopped");
  }
  auto o = std::make_shared<op>(i, std::move(req), opts, std::move(done), std::move(*url));
  i.queue.push_back(o);
  o->arm();
  i.launch_locked();
}

void client::stop() {
  auto& i = *impl_;
  std::vector<std::shared_ptr<op>> all;
  {
    std::lock_guard lk(i.mu);
    if (i.stopped) return;
    i.stopped = true;
    all.assign(i.queue.begin(), i.queue.end());
    all.insert(all.end(), i.running.begin(), i.running.end());
  }
  for (auto& o : all) o->abort();
  all.clear();
  i.work.reset();
  for (auto& t : i.threads)
    if (t.joinable()) t.join();
}

std::size_t client::active() const {
  std::lock_guard lk(impl_->mu);
  return impl_->running.size();
}

std::size_t client::queued() const {
  std::lock_guard lk(impl_->mu);
  return impl_->queue.size();
}

}  // namespace sc::outbound
