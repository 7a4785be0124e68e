// `statecraft clock show|advance|set --endpoint URL`: the manual clock of a
// node started with `--clock manual` (actors/clock.hpp), through its admin
// route `/_statecraft/clock` (api/admin_clock.hpp). A plain blocking
// HTTP/1.1 exchange: one request, `Connection: close`.
#include "tools/statecraft/cli.hpp"
#include "tools/traffic/signer.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace statecraft {

namespace {

const subcommand& self(std::string_view name) {
  for (const auto& c : subcommands())
    if (c.name == name) return c;
  std::abort();
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

/// One request to http://HOST[:PORT]; false with `error` on a transport
/// failure.
bool exchange(const std::string& url, const std::string& method, const std::string& body,
              const sc::traffic::signer* sign, int& status, std::string& answer,
              std::string& error) {
  std::string_view u = url;
  if (u.substr(0, 7) != "http://") {
    error = "--endpoint must be http://HOST[:PORT]";
    return false;
  }
  u.remove_prefix(7);
  if (auto slash = u.find('/'); slash != std::string_view::npos) u = u.substr(0, slash);
  std::string host(u), port = "80";
  if (auto colon = u.rfind(':'); colon != std::string_view::npos && u.find(']') == u.npos) {
    host = std::string(u.substr(0, colon));
    port = std::string(u.substr(colon + 1));
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  int fd = -1;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    error = "cannot connect to " + url;
    return false;
  }
  std::string auth;
  if (sign) {
    // A node with auth: needs a SigV4 signature on its admin routes too.
    auto h = sign->sign_now(method, "/_statecraft/clock", u, "application/json", "", body);
    auth = "X-Amz-Date: " + h.amz_date + "\r\nAuthorization: " + h.authorization + "\r\n";
    if (!h.security_token.empty()) auth += "X-Amz-Security-Token: " + h.security_token + "\r\n";
  }
  std::string req = method + " /_statecraft/clock HTTP/1.1\r\nHost: " + std::string(u) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n" + auth + "Connection: close\r\n\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      error = "connection lost while sending";
      return false;
    }
    off += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto sp = raw.find(' ');
  auto hdr_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || sp == std::string::npos || hdr_end == std::string::npos) {
    error = "no HTTP answer from " + url;
    return false;
  }
  status = std::atoi(raw.c_str() + sp + 1);
  answer = raw.substr(hdr_end + 4);
  return true;
}

int run(const subcommand& cmd, const std::vector<std::string>& args, size_t positionals,
        const std::string& method, std::string (*make_body)(const std::string&)) {
  auto a = parse_args(args, {{"--endpoint", true},
                             {"--access-key", true},
                             {"--secret-key", true},
                             {"--region", true}});
  if (a.help) {
    print_help(cmd);
    return exit_ok;
  }
  if (a.error.empty() && a.positional.size() != positionals)
    a.error = positionals ? "expected one argument" : "unexpected argument";
  if (a.error.empty() && !a.has("--endpoint")) a.error = "--endpoint URL is required";
  if (!a.error.empty()) return usage_error(cmd, a.error);
  std::string key_error;
  auto keys = sc::traffic::keys_from(a.get("--access-key").value_or(""),
                                     a.get("--secret-key").value_or(""), key_error);
  if (!key_error.empty()) return usage_error(cmd, key_error);
  std::string region = a.get("--region").value_or("");
  if (region.empty() && std::getenv("AWS_REGION")) region = std::getenv("AWS_REGION");
  if (region.empty()) region = "us-east-1";
  std::optional<sc::traffic::signer> sign;
  if (!keys.empty()) sign.emplace(std::move(keys), region);
  std::string body = make_body ? make_body(a.positional.front()) : "";
  int status = 0;
  std::string answer, error;
  if (!exchange(*a.get("--endpoint"), method, body, sign ? &*sign : nullptr, status, answer,
                error)) {
    std::cerr << "statecraft " << cmd.name << ": " << error << "\n";
    return exit_failed;
  }
  if (status != 200) {
    std::cerr << "statecraft " << cmd.name << ": HTTP " << status << ": " << answer << "\n";
    return exit_failed;
  }
  std::cout << answer << "\n";
  return exit_ok;
}

}  // namespace

int cmd_clock_show(const std::vector<std::string>& args) {
  return run(self("clock show"), args, 0, "GET", nullptr);
}

int cmd_clock_advance(const std::vector<std::string>& args) {
  return run(self("clock advance"), args, 1, "POST", [](const std::string& d) {
    return "{\"advance\":" + json_quote(d) + "}";
  });
}

int cmd_clock_set(const std::vector<std::string>& args) {
  return run(self("clock set"), args, 1, "POST", [](const std::string& t) {
    return "{\"to\":" + json_quote(t) + "}";
  });
}

}  // namespace statecraft
