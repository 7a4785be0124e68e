// outbound_http: the node's one generic asynchronous HTTP/1.1 client for
// calls the node makes to the outside (HTTP Task, AWS service calls, OAuth
// token endpoints). Nothing in it knows about Step Functions.
//
// Usage
//
//   sc::outbound::client_options o;          // defaults: anywhere, 64 calls
//   o.allow = {"api.example.com", "10.0.0.0/8", "::1/128"};
//   sc::outbound::client http(o);            // starts its own io thread(s)
//
//   sc::outbound::request r;
//   r.method = "POST";
//   r.url = "https://api.example.com:8443/v1/items?x=1";
//   r.headers = {{"Content-Type", "application/json"}};
//   r.body = R"({"a":1})";
//   http.call(std::move(r), sc::outbound::call_options{},
//             [](sc::outbound::result res) {
//               if (!res.ok()) { /* res.error, res.message */ return; }
//               // res.response.status, .reason, .headers, .body
//             });
//
// Threads. The client runs an io_context on its own thread(s) (never a CAF
// worker, never the API server's io threads). call() may be called from any
// thread and never blocks; the callback runs exactly once, on one of the
// client's threads: it must not block (hand heavy work elsewhere) and may
// call call() again.
//
// Requests. `url` is http:// or https://, host name or IP literal (IPv6 in
// brackets), optional port, path and query sent as they are (the caller
// percent-encodes); a fragment is dropped; user-info is refused. The client
// adds Host (unless the caller sets it), Content-Length (for a body or a
// method that usually has one), User-Agent (unless set). One connection per
// call (Connection: close); redirects are not followed (3xx is a response).
//
// TLS. https verifies the peer against the system's default CA paths plus
// client_options::ca_file, sends SNI (host names only) and checks that the
// certificate matches the host name or IP address of the URL.
//
// Limits. A call's total timeout counts from call() (queue wait included);
// the connect timeout bounds resolve+connect(+TLS handshake). The response
// body is capped (call_options::max_body_bytes, else the client's). At most
// max_concurrent calls run at once; later ones wait in a FIFO queue.
//
// Allow-list. Empty: anywhere. Otherwise each entry is a host name
// ("api.example.com"), a wildcard for sub-domains ("*.example.com"), an IP
// address or a CIDR network ("10.0.0.0/8", "fd00::/8"). A URL whose host name
// matches a name entry is allowed; otherwise the host is resolved and only
// addresses inside an address/network entry are connected to (an IP literal
// is checked directly) — so a name resolving to a forbidden address is
// refused with host_not_allowed before any connection is made.
//
// Errors are typed (error_kind) with a human message that contains the host
// and never the request's headers or body (they may carry secrets).
//
// The header is free of Boost/Asio (pimpl); the implementation is
// actors/outbound_http.cpp (Boost.Beast + OpenSSL).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::outbound {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method = "GET";  ///< any token: GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS...
  std::string url;             ///< http(s)://host[:port][/path][?query]
  header_list headers;         ///< sent in this order; names as given
  std::string body;
};

struct call_options {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  /// 0: the client's max_body_bytes.
  std::size_t max_body_bytes = 0;
};

struct http_response {
  int status = 0;
  std::string reason;   ///< the status line's reason phrase, as sent
  header_list headers;  ///< as received, in order
  std::string body;
};

enum class error_kind {
  none,
  invalid_request,     ///< bad URL / method (nothing was sent)
  host_not_allowed,    ///< the allow-list refused the host or its addresses
  dns_failure,         ///< the host name does not resolve
  connection_refused,  ///< every address refused the connection
  connect_failed,      ///< other connect errors (unreachable, reset...)
  tls_failure,         ///< handshake or certificate verification failed
  timeout,             ///< connect or total timeout
  body_too_large,      ///< response body above the cap
  protocol_error,      ///< malformed response, connection closed mid-way...
  shutdown,            ///< the client was stopped
};

/// "timeout", "dns_failure"... (stable names for logs and tests).
std::string_view to_string(error_kind k);

struct result {
  error_kind error = error_kind::none;
  std::string message;  ///< empty on success
  http_response response;  ///< meaningful when ok()
  bool ok() const { return error == error_kind::none; }
};

using callback = std::function<void(result)>;

struct client_options {
  int threads = 1;
  std::size_t max_concurrent = 64;
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::vector<std::string> allow;  ///< see "Allow-list" above; empty: anywhere
  std::string ca_file;             ///< extra trusted CA bundle (PEM); empty: none
  std::string user_agent = "statecraft";
};

/// A parsed URL (parse_url). `target` is path+query ("/" when empty);
/// `host` has no brackets; `port` is explicit or the scheme's default.
struct url_parts {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string target;
  bool host_is_ip = false;
};
std::optional<url_parts> parse_url(std::string_view url, std::string& err);

/// The allow-list on its own (the client uses it; exposed for config
/// validation and tests).
class allow_list {
 public:
  /// Returns false and sets `err` for a malformed entry.
  static bool valid_entry(std::string_view entry, std::string& err);
  explicit allow_list(const std::vector<std::string>& entries);
  bool anywhere() const { return names_.empty() && nets_.empty(); }
  bool has_networks() const { return !nets_.empty(); }
  /// The host name is allowed as a name (a name entry matches it).
  bool allows_name(std::string_view host) const;
  /// The textual IP address ("10.1.2.3", "::1") is inside an entry.
  bool allows_address(std::string_view ip) const;

 private:
  struct net {
    bool v6 = false;
    unsigned char bytes[16] = {};
    int prefix = 0;
  };
  std::vector<std::string> names_;  ///< lower case; "*.x" = sub-domains of x
  std::vector<net> nets_;
};

class client {
 public:
  explicit client(client_options opts = {});
  ~client();  ///< stop(), then joins the threads
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void call(request req, call_options opts, callback done);

  /// Fails queued and running calls with error_kind::shutdown (their
  /// callbacks run), refuses new ones (their callback runs at once, in
  /// call()), joins the threads. Idempotent. Not from a callback.
  void stop();

  /// Calls running / waiting for a slot (for metrics and tests).
  std::size_t active() const;
  std::size_t queued() const;

  struct impl;  ///< defined in outbound_http.cpp

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sc::outbound
