// `statecraft clock show|advance|set --endpoint URL`: the manual clock of a
// node started with `--clock manual` (actors/clock.hpp), through its admin
// route `/_statecraft/clock` (api/admin_clock.hpp). One request through
// the traffic generator's client (tools/traffic/client.hpp): http:// or
// https:// (--ca-bundle, --insecure), signed with SigV4 when keys are given.
#include "tools/statecraft/cli.hpp"
#include "tools/traffic/client.hpp"
#include "tools/traffic/signer.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>

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

/// One request to the admin route of http[s]://HOST[:PORT] through the
/// traffic generator's client (TLS, SigV4 when `sign`); false with `error`
/// on a transport failure.
bool exchange(const std::string& url, const std::string& method, const std::string& body,
              std::shared_ptr<const sc::traffic::signer> sign, const std::string& ca_bundle,
              bool insecure, int& status, std::string& answer, std::string& error) {
  auto ep = sc::traffic::parse_endpoint(url, error);
  if (!ep) return false;
  try {
    boost::asio::io_context io;
    sc::traffic::pool::options o;
    o.connections = 1;
    o.timeout = std::chrono::seconds(30);
    o.sign = std::move(sign);
    if (ep->tls) o.tls = sc::traffic::make_tls_context(ca_bundle, insecure);
    sc::traffic::pool p(io, *ep, o);
    bool done = false;
    p.call_raw(method, "/_statecraft/clock", body, [&](sc::traffic::http_result& r) {
      done = true;
      status = r.status;
      answer = r.body;
      if (r.status == 0) error = r.transport_error + " (" + url + ")";
    });
    io.run();
    if (!done && error.empty()) error = "no answer from " + url;
    return done && status != 0;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

int run(const subcommand& cmd, const std::vector<std::string>& args, size_t positionals,
        const std::string& method, std::string (*make_body)(const std::string&)) {
  auto a = parse_args(args, {{"--endpoint", true},
                             {"--access-key", true},
                             {"--secret-key", true},
                             {"--region", true},
                             {"--ca-bundle", true},
                             {"--insecure", false}});
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
  std::shared_ptr<const sc::traffic::signer> sign;
  if (!keys.empty()) sign = std::make_shared<sc::traffic::signer>(std::move(keys), region);
  std::string body = make_body ? make_body(a.positional.front()) : "";
  int status = 0;
  std::string answer, error;
  if (!exchange(*a.get("--endpoint"), method, body, sign, a.get("--ca-bundle").value_or(""),
                a.has("--insecure"), status, answer, error)) {
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
