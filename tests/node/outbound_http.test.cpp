// actors/outbound_http against a real local server
// (tests/node/outbound_http_server.py, plain and TLS with a self-signed
// certificate made here with the openssl CLI): responses, status codes,
// timeouts, the body cap, refused connections, DNS failures, the allow-list,
// the concurrency bound, TLS verification, stop().
//
//   ./build/tests/node_tests "[outbound]"
#include "actors/outbound_http.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace sc::outbound;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// tests/node/outbound_http_server.py in a child process; port() once up.
class test_server {
 public:
  explicit test_server(std::vector<std::string> extra = {}) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::string script = std::string(STATECRAFT_SOURCE_DIR) + "/tests/node/outbound_http_server.py";
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv{const_cast<char*>("python3"), script.data()};
      for (auto& e : extra) argv.push_back(e.data());
      argv.push_back(nullptr);
      ::execvp("python3", argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    REQUIRE(!line.empty());
    port_ = std::stoi(line);
  }
  ~test_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1",
                  const std::string& scheme = "http") const {
    return scheme + "://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

/// A port nothing listens on (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

result call_sync(client& c, request r, call_options o = {}) {
  std::promise<result> p;
  auto f = p.get_future();
  c.call(std::move(r), o, [&p](result res) { p.set_value(std::move(res)); });
  return f.get();
}

client_options allowing(std::vector<std::string> allow) {
  client_options o;
  o.allow = std::move(allow);
  return o;
}

client_options bounded(std::size_t n) {
  client_options o;
  o.max_concurrent = n;
  return o;
}

client_options trusting(std::string ca_file) {
  client_options o;
  o.ca_file = std::move(ca_file);
  return o;
}

request get(const std::string& url) {
  request r;
  r.url = url;
  return r;
}

std::string header(const http_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k.size() == name.size() && strncasecmp(k.c_str(), name.c_str(), k.size()) == 0) return v;
  return {};
}

}  // namespace

TEST_CASE("parse_url", "[outbound]") {
  std::string err;
  auto u = parse_url("https://API.Example.com/a/b?x=1&y=%20#frag", err);
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "api.example.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/a/b?x=1&y=%20");
  CHECK_FALSE(u->host_is_ip);
  u = parse_url("http://[::1]:8080?q", err);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 8080);
  CHECK(u->target == "/?q");
  CHECK(u->host_is_ip);
  u = parse_url("http://10.0.0.1", err);
  REQUIRE(u);
  CHECK(u->host_is_ip);
  CHECK(u->port == 80);
  CHECK(u->target == "/");
  CHECK_FALSE(parse_url("ftp://x", err));
  CHECK_FALSE(parse_url("example.com/x", err));
  CHECK_FALSE(parse_url("http://user:pw@example.com/", err));
  CHECK_FALSE(parse_url("http://example.com:99999/", err));
  CHECK_FALSE(parse_url("http:///path", err));
  CHECK_FALSE(parse_url("http://exa mple.com/", err));
  CHECK_FALSE(parse_url("http://example.com/a b", err));
}

TEST_CASE("allow_list: names, wildcards, IPv4 and IPv6 networks", "[outbound]") {
  std::string err;
  CHECK(allow_list::valid_entry("api.example.com", err));
  CHECK(allow_list::valid_entry("*.example.com", err));
  CHECK(allow_list::valid_entry("10.0.0.0/8", err));
  CHECK(allow_list::valid_entry("fd00::/8", err));
  CHECK(allow_list::valid_entry("::1", err));
  CHECK_FALSE(allow_list::valid_entry("10.0.0.0/33", err));
  CHECK_FALSE(allow_list::valid_entry("fd00::/129", err));
  CHECK_FALSE(allow_list::valid_entry("not a host", err));
  CHECK_FALSE(allow_list::valid_entry("10.0.0.0/", err));

  allow_list a({"api.example.com", "*.internal.test", "10.0.0.0/8", "192.168.1.7", "fd00::/8"});
  CHECK_FALSE(a.anywhere());
  CHECK(a.allows_name("API.example.com"));
  CHECK(a.allows_name("x.internal.test"));
  CHECK(a.allows_name("a.b.internal.test"));
  CHECK_FALSE(a.allows_name("internal.test"));
  CHECK_FALSE(a.allows_name("evil-internal.test"));
  CHECK_FALSE(a.allows_name("example.com"));
  CHECK(a.allows_address("10.255.0.1"));
  CHECK_FALSE(a.allows_address("11.0.0.1"));
  CHECK(a.allows_address("192.168.1.7"));
  CHECK_FALSE(a.allows_address("192.168.1.8"));
  CHECK(a.allows_address("fd12::1"));
  CHECK_FALSE(a.allows_address("fe80::1"));
  CHECK(a.allows_address("::ffff:10.1.2.3"));  // v4-mapped
  CHECK(allow_list({}).anywhere());
  allow_list odd({"172.16.0.0/12"});
  CHECK(odd.allows_address("172.31.255.255"));
  CHECK_FALSE(odd.allows_address("172.32.0.0"));
}

TEST_CASE("outbound calls against a real server", "[outbound]") {
  test_server srv;
  client c;

  SECTION("GET with headers and query") {
    auto r = get(srv.url("/echo/x?a=1&b=%2F"));
    r.headers = {{"X-Custom", "v1"}, {"Accept", "application/json"}};
    auto res = call_sync(c, std::move(r));
    REQUIRE(res.ok());
    CHECK(res.response.status == 200);
    CHECK(res.response.reason == "OK");
    CHECK(header(res.response, "content-type") == "application/json");
    CHECK(res.response.body.find(R"("path": "/echo/x?a=1&b=%2F")") != std::string::npos);
    CHECK(res.response.body.find(R"("x-custom": "v1")") != std::string::npos);
    CHECK(res.response.body.find(R"("user-agent": "statecraft")") != std::string::npos);
    CHECK(res.response.body.find(R"("host": "127.0.0.1:)" + std::to_string(srv.port())) != std::string::npos);
  }
  SECTION("POST and PATCH bodies, custom Host") {
    request r;
    r.method = "POST";
    r.url = srv.url("/echo");
    r.body = R"({"k":"v"})";
    r.headers = {{"Content-Type", "application/json"}, {"Content-Length", "999"}};
    auto res = call_sync(c, std::move(r));
    REQUIRE(res.ok());
    CHECK(res.response.body.find(R"("method": "POST")") != std::string::npos);
    CHECK(res.response.body.find(R"("body": "{\"k\":\"v\"}")") != std::string::npos);
    request p;
    p.method = "PATCH";
    p.url = srv.url("/echo");
    p.headers = {{"Host", "example.com"}};
    res = call_sync(c, std::move(p));
    REQUIRE(res.ok());
    CHECK(res.response.body.find(R"("method": "PATCH")") != std::string::npos);
    CHECK(res.response.body.find(R"("host": "example.com")") != std::string::npos);
  }
  SECTION("non-2xx is a response, not an error") {
    auto res = call_sync(c, get(srv.url("/status/503")));
    REQUIRE(res.ok());
    CHECK(res.response.status == 503);
    CHECK(res.response.body == "status 503");
    res = call_sync(c, get(srv.url("/status/404")));
    REQUIRE(res.ok());
    CHECK(res.response.status == 404);
  }
  SECTION("HEAD and a body delimited by the end of the connection") {
    request h = get(srv.url("/echo"));
    h.method = "HEAD";
    auto res = call_sync(c, std::move(h));
    REQUIRE(res.ok());
    CHECK(res.response.body.empty());
    res = call_sync(c, get(srv.url("/eof")));
    REQUIRE(res.ok());
    CHECK(res.response.body == "until the end");
  }
  SECTION("total timeout") {
    call_options o;
    o.total_timeout = 300ms;
    auto res = call_sync(c, get(srv.url("/sleep/3000")), o);
    CHECK(res.error == error_kind::timeout);
    CHECK(res.message.find("127.0.0.1") != std::string::npos);
  }
  SECTION("body cap") {
    call_options o;
    o.max_body_bytes = 1000;
    auto res = call_sync(c, get(srv.url("/big/100000")), o);
    INFO(res.message << " status " << res.response.status << " size " << res.response.body.size());
    CHECK(res.error == error_kind::body_too_large);
    res = call_sync(c, get(srv.url("/big/1000")), o);
    REQUIRE(res.ok());
    CHECK(res.response.body.size() == 1000);
    CHECK(call_sync(c, get(srv.url("/chunked/50000")), o).error == error_kind::body_too_large);
    res = call_sync(c, get(srv.url("/chunked/900")), o);
    REQUIRE(res.ok());
    CHECK(res.response.body == std::string(900, 'y'));
  }
  SECTION("invalid requests are refused before sending") {
    auto res = call_sync(c, get("gopher://x/"));
    CHECK(res.error == error_kind::invalid_request);
    request r = get(srv.url("/echo"));
    r.headers = {{"X-Injected", "a\r\nEvil: 1"}};
    CHECK(call_sync(c, std::move(r)).error == error_kind::invalid_request);
    request m = get(srv.url("/echo"));
    m.method = "GE T";
    CHECK(call_sync(c, std::move(m)).error == error_kind::invalid_request);
  }
}

TEST_CASE("outbound connection failures", "[outbound]") {
  client c;
  auto res = call_sync(c, get("http://127.0.0.1:" + std::to_string(closed_port()) + "/"));
  CHECK(res.error == error_kind::connection_refused);
  call_options o;
  o.total_timeout = 20s;
  res = call_sync(c, get("http://no-such-host.invalid/"), o);
  CHECK(res.error == error_kind::dns_failure);
}

TEST_CASE("outbound allow-list", "[outbound]") {
  test_server srv;
  SECTION("a network not containing the address") {
    client c(allowing({"10.0.0.0/8"}));
    auto res = call_sync(c, get(srv.url("/echo")));
    CHECK(res.error == error_kind::host_not_allowed);
    res = call_sync(c, get(srv.url("/echo", "localhost")));  // resolved, then refused
    CHECK(res.error == error_kind::host_not_allowed);
  }
  SECTION("names only: other names refused without connecting") {
    client c(allowing({"api.example.com"}));
    CHECK(call_sync(c, get(srv.url("/echo", "localhost"))).error == error_kind::host_not_allowed);
    CHECK(call_sync(c, get(srv.url("/echo"))).error == error_kind::host_not_allowed);
  }
  SECTION("allowed by network (resolved name and literal) or by name") {
    client c(allowing({"127.0.0.0/8"}));
    CHECK(call_sync(c, get(srv.url("/echo"))).ok());
    auto res = call_sync(c, get(srv.url("/echo", "localhost")));
    // localhost may resolve to ::1 first; only 127.0.0.1 is connected to.
    REQUIRE(res.ok());
    CHECK(res.response.status == 200);
    client n(allowing({"localhost"}));
    CHECK(call_sync(n, get(srv.url("/echo", "localhost"))).ok());
  }
}

TEST_CASE("outbound concurrency bound queues calls beyond it", "[outbound]") {
  test_server srv;
  client c(bounded(2));
  std::vector<std::promise<result>> ps(6);
  std::vector<std::future<result>> fs;
  for (auto& p : ps) {
    fs.push_back(p.get_future());
    c.call(get(srv.url("/sleep/300")), {}, [&p](result r) { p.set_value(std::move(r)); });
  }
  CHECK(c.active() <= 2);
  CHECK(c.active() + c.queued() <= 6);
  for (auto& f : fs) {
    auto r = f.get();
    REQUIRE(r.ok());
    // the server counts the requests it was serving at once
    auto at = r.response.body.find("\"max_in_flight\": ");
    REQUIRE(at != std::string::npos);
    int seen = std::stoi(r.response.body.substr(at + 17));
    CHECK(seen >= 1);
    CHECK(seen <= 2);
  }
}

TEST_CASE("outbound stop fails calls in flight", "[outbound]") {
  test_server srv;
  client c(bounded(1));
  std::promise<result> a, b;
  c.call(get(srv.url("/sleep/5000")), {}, [&a](result r) { a.set_value(std::move(r)); });
  c.call(get(srv.url("/sleep/5000")), {}, [&b](result r) { b.set_value(std::move(r)); });
  std::this_thread::sleep_for(100ms);
  c.stop();
  CHECK(a.get_future().get().error == error_kind::shutdown);
  CHECK(b.get_future().get().error == error_kind::shutdown);
  CHECK(call_sync(c, get(srv.url("/echo"))).error == error_kind::shutdown);
}

TEST_CASE("outbound HTTPS: verification, SNI host names, CA file", "[outbound]") {
  std::string tmpl = (fs::temp_directory_path() / "sc-outbound-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()));
  fs::path dir = tmpl;
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  // Self-signed, valid for the name "localhost" only (not for 127.0.0.1).
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                    "-addext subjectAltName=DNS:localhost -keyout " + key + " -out " + cert +
                    " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  {
    test_server srv({"--tls", cert, key});
    SECTION("trusted through ca_file") {
      client c(trusting(cert));
      auto res = call_sync(c, get(srv.url("/echo?x=1", "localhost", "https")));
      REQUIRE(res.ok());
      CHECK(res.response.status == 200);
      CHECK(res.response.body.find(R"("path": "/echo?x=1")") != std::string::npos);
      res = call_sync(c, get(srv.url("/eof", "localhost", "https")));
      REQUIRE(res.ok());
      CHECK(res.response.body == "until the end");
      // the certificate does not name 127.0.0.1
      res = call_sync(c, get(srv.url("/echo", "127.0.0.1", "https")));
      CHECK(res.error == error_kind::tls_failure);
    }
    SECTION("untrusted without it") {
      client c;
      auto res = call_sync(c, get(srv.url("/echo", "localhost", "https")));
      CHECK(res.error == error_kind::tls_failure);
      CHECK(res.message.find("certificate") != std::string::npos);
    }
    SECTION("a missing CA file fails https calls") {
      client c(trusting((dir / "missing.pem").string()));
      auto res = call_sync(c, get(srv.url("/echo", "localhost", "https")));
      CHECK(res.error == error_kind::tls_failure);
    }
  }
  fs::remove_all(dir);
}
