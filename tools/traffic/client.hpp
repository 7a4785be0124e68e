// statecraft-traffic: the HTTP side. A pool of keep-alive Boost.Beast
// client connections driven by one io_context (single thread): calls are
// queued, handed to the first idle connection, and answered through a
// callback on the io thread. No thread ever blocks on a request.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::traffic {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

class signer;

/// Where the service is: parsed from --endpoint http[s]://HOST[:PORT][/].
struct endpoint {
  std::string host;
  std::string port = "80";
  std::string host_header;  ///< HOST[:PORT] as sent in the Host header
  bool tls = false;         ///< https://
};

/// The TLS client context for https:// endpoints: the system's CAs, plus
/// `ca_bundle` when given; `insecure` = no certificate check at all.
/// Throws std::runtime_error when the bundle cannot be read.
std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& ca_bundle, bool insecure);

/// Parses http[s]://HOST[:PORT][/]; on failure returns nullopt and sets `err`.
std::optional<endpoint> parse_endpoint(std::string_view url, std::string& err);

/// What one HTTP exchange produced.
struct http_result {
  int status = 0;               ///< 0 when the exchange failed at the transport level
  std::string body;
  std::string error_type_header;  ///< x-amzn-ErrorType, when present
  std::string transport_error;  ///< set when status == 0 (e.g. "connection refused")
  clock::time_point queued;     ///< when the call was handed to the pool
  clock::time_point sent;       ///< when the request started on a connection
  clock::time_point done;       ///< when the response was complete (or failed)
};

using http_callback = std::function<void(http_result&)>;

class connection;

/// N keep-alive connections to one endpoint. All methods must be called on
/// the io thread (the thread running the io_context).
class pool {
 public:
  struct options {
    size_t connections = 16;
    std::chrono::milliseconds timeout{75000};  ///< per request, connect included
    std::string region = "us-east-1";
    size_t node = 0;  ///< which endpoint (--endpoint index) the pool talks to
    /// https:// endpoints: the TLS context (required then).
    std::shared_ptr<asio::ssl::context> tls;
    /// Real SigV4 signatures (null = the dummy Authorization).
    std::shared_ptr<const signer> sign;
  };
  pool(asio::io_context& io, const endpoint& ep, options opts);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Queues POST / with X-Amz-Target: AWSStepFunctions.<op>. With
  /// `sync_host` the Host header is "sync-<host>", as the SDKs send for
  /// StartSyncExecution. `cb` runs on the io thread exactly once (unless the
  /// pool is destroyed first).
  void call(std::string_view op, std::string body, bool sync_host, http_callback cb);

  /// Sends a raw request with a JSON body (moto's /moto-api/config, the
  /// admin routes of `statecraft clock`); signed when options::sign is set.
  void call_raw(std::string method, std::string path, std::string body, http_callback cb);

  /// Closes every connection; calls in flight or queued fail with
  /// transport_error "cancelled".
  void close_all();
  /// Accepts calls again after close_all().
  void reopen() { closing_ = false; }

  size_t in_flight() const { return busy_; }
  size_t queued() const { return queue_.size(); }
  size_t size() const { return conns_.size(); }
  /// The --endpoint index this pool talks to.
  size_t node() const { return opts_.node; }
  /// Connections that currently have an open socket.
  size_t open_connections() const;

 private:
  friend class connection;
  struct pending {
    std::string method, path, target, body;
    bool sync_host = false;
    http_callback cb;
    clock::time_point queued;
  };
  void enqueue(pending p);
  void pump();
  void finished(connection* c);

  asio::io_context& io_;
  endpoint ep_;
  options opts_;
  std::vector<asio::ip::tcp::endpoint> resolved_;
  std::string authorization_;
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<connection*> idle_;
  std::deque<pending> queue_;
  size_t busy_ = 0;
  bool closing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sc::traffic
