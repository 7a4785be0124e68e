// The HTTP/1.1 front end. Boost.Beast lives in http_server.cpp only; the
// rest of the API layer sees plain requests and a responder callback.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sc::api {

struct request {
  std::string target;        ///< X-Amz-Target header
  std::string body;
  std::string host;
  std::string content_type;
  std::string method;
  std::string path;            ///< request target: path and query
  std::string authorization;   ///< Authorization header ("" when absent)
  /// Every header (name lowercased, value as sent), only when
  /// server_options::keep_headers is set (SigV4 verification needs them).
  std::vector<std::pair<std::string, std::string>> headers;
  bool tls = false;            ///< arrived on the HTTPS listener
};

struct response {
  int status = 200;
  std::string body;
  std::string error_type;    ///< x-amzn-ErrorType header (errors only)
  std::string content_type = {};  ///< "" = application/x-amz-json-1.0 (the API)
};

/// Must be called exactly once, from any thread; posts to the connection.
using responder = std::function<void(response)>;
/// False once the client has closed its connection (for long polls).
using liveness = std::function<bool()>;

class handler {
 public:
  virtual ~handler() = default;
  virtual void handle(request req, responder done, liveness alive) = 0;
};

struct server_options {
  std::string bind = "127.0.0.1";
  int port = 8083;
  int io_threads = 1;
  size_t max_request_bytes = 1 << 20;
  size_t max_connections = 20000;
  /// Most simultaneous connections from one client address (0 = no limit
  /// of its own beyond max_connections).
  size_t max_connections_per_client = 0;
  /// A keep-alive connection with no request started for this long is
  /// closed; so is one whose client does not read an answer for this long.
  double idle_timeout_seconds = 60;
  /// From a request's first byte, its head and body must arrive within this.
  double header_timeout_seconds = 10;
  /// Copy every request header into request::headers (auth on).
  bool keep_headers = false;
  /// PEM certificate chain and private key: both set = the listener speaks
  /// HTTPS (TLS 1.2+) only; both empty = plain HTTP. OpenSSL stays in
  /// http_server.cpp.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class http_server {
 public:
  http_server(server_options opts, handler& h);
  ~http_server();
  /// Binds and listens; throws std::runtime_error with a clear message when
  /// the address cannot be used or the TLS certificate or key cannot be
  /// loaded.
  void start();
  /// The port actually bound (useful with port 0).
  int port() const;
  /// Runs the io threads until stop(); returns afterwards.
  void run();
  /// Stops accepting, closes connections, makes run() return. Thread-safe,
  /// async-signal-unsafe (call from a signal-watching thread).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sc::api
