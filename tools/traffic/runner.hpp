// statecraft-traffic: the driver (setup -> load -> after-load -> cleanup)
// and the scenario interface. Everything runs on one io thread.
#pragma once

#include "tools/traffic/client.hpp"
#include "tools/traffic/options.hpp"
#include "tools/traffic/signer.hpp"
#include "tools/traffic/stats.hpp"

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <variant>

namespace sc::traffic {

enum class outcome { verified, mismatch, failed, abandoned };

/// One AWS call's result, parsed.
struct aws_reply {
  bool ok = false;          ///< 2xx with a JSON body
  bool cancelled = false;   ///< the call was cancelled by the run ending
  std::string error;        ///< AWS error type (after '#'), transport:..., http:NNN
  std::string message;
  rapidjson::Document doc;  ///< the body (ok, or a parsed error body)
  http_result http;
  /// The outcome for an iteration that stops at this failed call.
  outcome as_outcome() const { return cancelled ? outcome::abandoned : outcome::failed; }
  std::string str(const char* member) const;  ///< string member or ""
};
using aws_callback = std::function<void(aws_reply&)>;

/// A flat JSON object for request bodies.
struct kv {
  const char* key;
  std::variant<std::string_view, int64_t, bool> value;
};
std::string json_object(std::initializer_list<kv> fields);
/// Parses both as JSON and compares them structurally (member order ignored).
bool json_equal(std::string_view a, std::string_view b);

class runner;
struct poll_state;

class scenario {
 public:
  explicit scenario(runner& r) : r_(r) {}
  virtual ~scenario() = default;
  virtual std::string name() const = 0;
  /// Creates what the scenario needs; done("") on success, else a message.
  virtual void setup(std::function<void(std::string)> done) = 0;
  /// One unit of load for a user of endpoint `node` (its calls go to
  /// r_.main_pool(node)); `done` exactly once.
  virtual void iterate(size_t node, std::function<void(outcome)> done) = 0;
  /// Scenarios that drive the load themselves (polls) return true and call
  /// `done` when finished.
  virtual bool custom_load(std::function<void()> done) { return false; }
  /// After the load phase (resident: hold, then stop everything).
  virtual void after_load(std::function<void()> done) { done(); }
  /// The load is being abandoned: finish waiting iterations (abandoned).
  virtual void on_abandon() {}
  /// End of run: stop background work (workers).
  virtual void shutdown() {}
  /// The load phase is over and lasted `load_elapsed` seconds.
  virtual void finalize(double load_elapsed) {}
  /// Deletes what setup created (best effort).
  virtual void cleanup(std::function<void()> done) { done(); }
  /// The latency metric reported as the headline (an op name or a metric).
  virtual std::string headline() const { return "iteration"; }
  /// What one iteration is ("execution", "page").
  virtual std::string unit() const { return "execution"; }

 protected:
  runner& r_;
};

std::unique_ptr<scenario> make_scenario(const std::string& name, runner& r, bool in_mix);

class runner {
 public:
  /// One endpoint per --endpoint, in order (node 0 gets setup and cleanup).
  runner(options opts, std::vector<endpoint> eps);
  ~runner();
  /// Runs everything; returns the exit status (0 ok, 1 correctness failure).
  int run();

  // ---- for scenarios ----
  const options& opts() const { return opts_; }
  stats& st() { return st_; }
  asio::io_context& io() { return io_; }
  /// The iterations' pool of endpoint `node`.
  pool& main_pool(size_t node = 0) { return *mains_[node]; }
  const endpoint& ep(size_t node = 0) const { return eps_[node]; }
  /// Pool options every pool shares: timeout, Region, TLS context, signer.
  pool::options pool_defaults() const;
  size_t nodes() const { return eps_.size(); }
  /// Records a scenario latency metric in the totals and for `node`.
  void add_metric(const std::string& name, size_t node, int64_t us);
  /// POSTs op with body to `p` (node 0's main pool when null); records ops,
  /// latency and errors in the current phase (and, during the load, for the
  /// pool's node).
  void aws(std::string_view op, std::string body, aws_callback cb, pool* p = nullptr, bool sync_host = false);
  /// Polls DescribeExecution on endpoint `node` (back-off from 1 ms, x2, at
  /// most 50 ms) until the status is not RUNNING; cb(reply) with the final
  /// describe, or the failed call.
  void await_final(std::string arn, aws_callback cb, size_t node = 0);
  void after(clock::duration d, std::function<void()> fn);
  std::string run_id() const { return run_id_; }
  std::string next_name();  ///< a unique execution name
  std::string resource_name(std::string_view what) const;
  bool abandoning() const { return abandoning_; }
  bool stopping() const { return stop_requested_; }
  std::mt19937_64& rng() { return rng_; }
  /// Prints "statecraft-traffic: <msg>" on stderr (clears the progress line).
  void note(const std::string& msg);
  /// Phase timer for scenarios that report their own phases.
  double since_load_start() const;

 private:
  void begin();
  void start_load();
  bool may_start() const;
  void launch(size_t node, std::function<void()> after);
  void user_next(size_t node);
  void tick();
  void load_finished();
  void check_open_loop_done();
  void load_bound_reached();
  void abandon();
  void finish();
  void progress();
  void poll_final(std::shared_ptr<poll_state> s);
  int report();
  std::string endpoints_text() const;

  options opts_;
  std::vector<endpoint> eps_;
  asio::io_context io_;
  std::vector<std::unique_ptr<pool>> mains_;  ///< one per endpoint
  size_t next_node_ = 0;                      ///< open loop: round-robin
  std::unique_ptr<scenario> scenario_;
  stats st_;
  std::string run_id_;
  uint64_t seq_ = 0;
  std::mt19937_64 rng_;
  std::shared_ptr<asio::ssl::context> tls_;  ///< any https:// endpoint
  std::shared_ptr<const signer> signer_;     ///< real SigV4 (keys given)
  std::string setup_error_;
  bool setup_ok_ = false;

  clock::time_point t0_, t_end_;
  bool load_started_ = false, load_done_ = false, bound_reached_ = false;
  bool abandoning_ = false, stop_requested_ = false;
  bool after_load_done_ = false;
  size_t inflight_ = 0, users_ = 0;
  asio::steady_timer tick_timer_{io_};
  asio::steady_timer drain_timer_{io_};
  asio::steady_timer progress_timer_{io_};
  asio::signal_set signals_{io_};
  bool progress_on_ = false, progress_shown_ = false;
  clock::time_point last_progress_;
  uint64_t last_ops_ = 0, last_done_ = 0;
  double load_elapsed_ = 0;
  uint64_t load_ops_ = 0;
};

}  // namespace sc::traffic
