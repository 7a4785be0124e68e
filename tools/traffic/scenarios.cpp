// statecraft-traffic: the scenarios. Each creates its resources in setup(),
// runs one verified unit of work per iterate(), and deletes what it made in
// cleanup(). All on the io thread.
#include "tools/traffic/runner.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_map>

namespace sc::traffic {

using namespace std::chrono_literals;

namespace {

constexpr const char* kRole = "arn:aws:iam::123456789012:role/statecraft-traffic";
constexpr int kChainStates = 10;

int64_t system_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

template <class F>
std::string build(F&& f) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  f(w);
  return {sb.GetString(), sb.GetSize()};
}

void put(writer& w, const char* k, std::string_view v) {
  w.Key(k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

/// A StartExecution body; without the name with --unnamed (the server picks
/// one; the input still carries the generator's id).
std::string start_body(runner& r, const std::string& machine_arn, const std::string& name,
                       const std::string& input) {
  if (r.opts().unnamed) return json_object({{"stateMachineArn", machine_arn}, {"input", input}});
  return json_object({{"stateMachineArn", machine_arn}, {"name", name}, {"input", input}});
}

/// 10 Pass states; state k: Parameters {"step": k, "id.$": "$.id",
/// "seq.$": "$.seq"}, ResultPath "$.r<k>".
/// The 10-state chain; with `jsonata`, the same data flow written in JSONata
/// (Output merges {"rK": {step, id, seq}} into the input, as ResultPath does).
std::string chain_definition(bool jsonata) {
  return build([jsonata](writer& w) {
    w.StartObject();
    put(w, "Comment", jsonata ? "statecraft-traffic: 10 JSONata Pass states with Output"
                              : "statecraft-traffic: 10 Pass states with Parameters and ResultPath");
    if (jsonata) put(w, "QueryLanguage", "JSONata");
    put(w, "StartAt", "S0");
    w.Key("States");
    w.StartObject();
    for (int k = 0; k < kChainStates; ++k) {
      w.Key(("S" + std::to_string(k)).c_str());
      w.StartObject();
      put(w, "Type", "Pass");
      if (jsonata) {
        put(w, "Output", "{% $merge([$states.input, {'r" + std::to_string(k) + "': {'step': " +
                             std::to_string(k) +
                             ", 'id': $states.input.id, 'seq': $states.input.seq}}]) %}");
      } else {
        w.Key("Parameters");
        w.StartObject();
        w.Key("step");
        w.Int(k);
        put(w, "id.$", "$.id");
        put(w, "seq.$", "$.seq");
        w.EndObject();
        put(w, "ResultPath", "$.r" + std::to_string(k));
      }
      if (k + 1 < kChainStates)
        put(w, "Next", "S" + std::to_string(k + 1));
      else {
        w.Key("End");
        w.Bool(true);
      }
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  });
}

std::string chain_input(const std::string& id, uint64_t seq, const std::string& pad) {
  return build([&](writer& w) {
    w.StartObject();
    put(w, "id", id);
    w.Key("seq");
    w.Uint64(seq);
    if (!pad.empty()) put(w, "pad", pad);
    w.EndObject();
  });
}

std::string chain_expected(const std::string& id, uint64_t seq, const std::string& pad) {
  return build([&](writer& w) {
    w.StartObject();
    put(w, "id", id);
    w.Key("seq");
    w.Uint64(seq);
    if (!pad.empty()) put(w, "pad", pad);
    for (int k = 0; k < kChainStates; ++k) {
      w.Key(("r" + std::to_string(k)).c_str());
      w.StartObject();
      w.Key("step");
      w.Int(k);
      put(w, "id", id);
      w.Key("seq");
      w.Uint64(seq);
      w.EndObject();
    }
    w.EndObject();
  });
}

std::string shorten(std::string s, size_t n = 200) {
  if (s.size() > n) {
    s.resize(n);
    s += "...";
  }
  return s;
}

/// Creates a state machine; done(arn, error).
void create_machine(runner& r, const std::string& name, const std::string& definition, const char* type,
                    std::function<void(std::string, std::string)> done) {
  r.aws("CreateStateMachine",
        json_object({{"name", name}, {"definition", definition}, {"roleArn", kRole}, {"type", type}}),
        [done](aws_reply& rep) {
          if (!rep.ok) return done("", "CreateStateMachine: " + rep.error + " " + rep.message);
          auto arn = rep.str("stateMachineArn");
          if (arn.empty()) return done("", "CreateStateMachine: no stateMachineArn in the answer");
          done(arn, "");
        });
}

void delete_machine(runner& r, const std::string& arn, std::function<void()> done) {
  if (arn.empty()) return done();
  r.aws("DeleteStateMachine", json_object({{"stateMachineArn", arn}}), [done](aws_reply&) { done(); });
}

std::uint64_t seq_of(const std::string& name) {
  auto dash = name.rfind('-');
  return dash == std::string::npos ? 0 : std::stoull(name.substr(dash + 1));
}

// ---------------------------------------------------------------- pass-chain / express-sync

class chain : public scenario {
 public:
  chain(runner& r, bool express, bool jsonata = false)
      : scenario(r), express_(express), jsonata_(jsonata) {
    pad_.assign(static_cast<size_t>(r.opts().payload), 'x');
  }
  std::string name() const override {
    return std::string(express_ ? "express-sync" : "pass-chain") + (jsonata_ ? "-jsonata" : "");
  }
  std::string headline() const override { return express_ ? "StartSyncExecution" : "iteration"; }

  void setup(std::function<void(std::string)> done) override {
    create_machine(r_, r_.resource_name(express_ ? "express" : "chain"), chain_definition(jsonata_),
                   express_ ? "EXPRESS" : "STANDARD", [this, done](std::string arn, std::string err) {
                     arn_ = arn;
                     done(err);
                   });
  }

  void iterate(size_t node, std::function<void(outcome)> done) override {
    std::string name = r_.next_name();
    uint64_t seq = seq_of(name);
    std::string input = chain_input(name, seq, pad_);
    std::string body = start_body(r_, arn_, name, input);
    auto check = [this, name, seq, done](aws_reply& rep) {
      if (!rep.ok) return done(rep.as_outcome());
      std::string status = rep.str("status");
      std::string output = rep.str("output");
      if (status != "SUCCEEDED") {
        r_.st().sample(name + ": status " + status + " (expected SUCCEEDED) error=" + rep.str("error") +
                       " cause=" + shorten(rep.str("cause")));
        return done(outcome::mismatch);
      }
      if (!json_equal(output, chain_expected(name, seq, pad_))) {
        r_.st().sample(name + ": output differs: " + shorten(output));
        return done(outcome::mismatch);
      }
      done(outcome::verified);
    };
    if (express_) {
      r_.aws("StartSyncExecution", std::move(body), check, &r_.main_pool(node), true);
      return;
    }
    r_.aws("StartExecution", std::move(body), [this, node, done, check](aws_reply& rep) {
      if (!rep.ok) return done(rep.as_outcome());
      auto arn = rep.str("executionArn");
      if (arn.empty()) {
        r_.st().sample("StartExecution answered without executionArn");
        return done(outcome::mismatch);
      }
      r_.await_final(arn, check, node);
    }, &r_.main_pool(node));
  }

  void cleanup(std::function<void()> done) override { delete_machine(r_, arn_, done); }

 private:
  bool express_;
  bool jsonata_;
  std::string arn_, pad_;
};

// ---------------------------------------------------------------- activity

class activity : public scenario {
 public:
  explicit activity(runner& r) : scenario(r) {}
  std::string name() const override { return "activity"; }
  std::string headline() const override { return "schedule_to_worker"; }

  void setup(std::function<void(std::string)> done) override {
    r_.aws("CreateActivity", json_object({{"name", r_.resource_name("activity")}}), [this, done](aws_reply& rep) {
      if (!rep.ok) return done("CreateActivity: " + rep.error + " " + rep.message);
      activity_arn_ = rep.str("activityArn");
      std::string def = build([&](writer& w) {
        w.StartObject();
        put(w, "Comment", "statecraft-traffic: one activity task");
        put(w, "StartAt", "Work");
        w.Key("States");
        w.StartObject();
        w.Key("Work");
        w.StartObject();
        put(w, "Type", "Task");
        put(w, "Resource", activity_arn_);
        w.Key("TimeoutSeconds");
        w.Int(600);
        w.Key("End");
        w.Bool(true);
        w.EndObject();
        w.EndObject();
        w.EndObject();
      });
      create_machine(r_, r_.resource_name("activity-sm"), def, "STANDARD",
                     [this, done](std::string arn, std::string err) {
                       sm_arn_ = arn;
                       if (!err.empty()) return done(err);
                       start_workers();
                       done("");
                     });
    });
  }

  void iterate(size_t node, std::function<void(outcome)> done) override {
    std::string name = r_.next_name();
    std::string input = build([&](writer& w) {
      w.StartObject();
      put(w, "id", name);
      w.Key("seq");
      w.Uint64(seq_of(name));
      w.Key("t0");
      w.Int64(system_us());
      w.EndObject();
    });
    pending_[name] = pend{};
    r_.aws("StartExecution", start_body(r_, sm_arn_, name, input),
           [this, name, node, done](aws_reply& rep) {
             auto it = pending_.find(name);
             if (!rep.ok) {
               pending_.erase(it);
               return done(rep.as_outcome());
             }
             it->second.have_resp = true;
             it->second.start_resp = rep.http.done;
             std::string arn = rep.str("executionArn");
             auto next = [this, name, arn, node, done] {
               auto it = pending_.find(name);
               if (it == pending_.end()) return done(outcome::abandoned);
               bool ok = it->second.worker_done;
               std::string expected = std::move(it->second.output);
               pending_.erase(it);
               if (!ok || r_.abandoning()) return done(outcome::abandoned);
               r_.await_final(arn, [this, name, expected, done](aws_reply& d) {
                 if (!d.ok) return done(d.as_outcome());
                 std::string status = d.str("status");
                 if (status != "SUCCEEDED") {
                   r_.st().sample(name + ": status " + status + " (expected SUCCEEDED) error=" + d.str("error"));
                   return done(outcome::mismatch);
                 }
                 std::string output = d.str("output");
                 if (!json_equal(output, expected)) {
                   r_.st().sample(name + ": output " + shorten(output) + " != worker's " + shorten(expected));
                   return done(outcome::mismatch);
                 }
                 done(outcome::verified);
               }, node);
             };
             if (it->second.worker_done || it->second.worker_failed)
               next();
             else
               it->second.waiter = next;
           },
           &r_.main_pool(node));
  }

  void on_abandon() override {
    std::vector<std::function<void()>> waiters;
    for (auto& [k, p] : pending_)
      if (p.waiter) waiters.push_back(std::move(p.waiter));
    for (auto& w : waiters) w();
  }

  void finalize(double elapsed) override {
    r_.st().values["tasks"] = static_cast<double>(tasks_);
    r_.st().values["tasks_per_s"] = elapsed > 0 ? tasks_ / elapsed : 0;
    r_.st().values["workers"] = r_.opts().workers;
    if (early_) r_.st().values["tasks_seen_before_start_response"] = static_cast<double>(early_);
    if (unknown_) r_.st().values["unknown_tasks"] = static_cast<double>(unknown_);
  }

  void shutdown() override {
    stop_ = true;
    for (auto& p : wpools_) p->close_all();
  }

  void cleanup(std::function<void()> done) override {
    delete_machine(r_, sm_arn_, [this, done] {
      if (activity_arn_.empty()) return done();
      r_.aws("DeleteActivity", json_object({{"activityArn", activity_arn_}}), [done](aws_reply&) { done(); });
    });
  }

 private:
  struct pend {
    clock::time_point start_resp;
    bool have_resp = false;
    bool worker_done = false;
    bool worker_failed = false;
    std::string output;
    std::function<void()> waiter;
  };

  /// Worker k lives on endpoint k % N: it polls and answers there, on that
  /// endpoint's worker pool (one connection per worker).
  void start_workers() {
    size_t n = r_.nodes();
    for (size_t i = 0; i < n; ++i) {
      pool::options po = r_.pool_defaults();
      po.connections = static_cast<size_t>(std::max(1, share(r_.opts().workers, n, i)));
      po.node = i;
      wpools_.push_back(std::make_unique<pool>(r_.io(), r_.ep(i), po));
    }
    for (int k = 0; k < r_.opts().workers; ++k) poll(k);
  }

  void poll(int k) {
    if (stop_) return;
    size_t node = static_cast<size_t>(k) % wpools_.size();
    pool* wpool = wpools_[node].get();
    std::string worker = "w" + std::to_string(k);
    r_.aws(
        "GetActivityTask", json_object({{"activityArn", activity_arn_}, {"workerName", worker}}),
        [this, k, node, wpool, worker](aws_reply& rep) {
          if (stop_ || rep.cancelled) return;
          if (!rep.ok) {
            r_.after(100ms, [this, k] { poll(k); });
            return;
          }
          std::string token = rep.str("taskToken");
          if (token.empty()) return poll(k);
          auto received = clock::now();
          int64_t received_sys = system_us();
          std::string input = rep.str("input");
          rapidjson::Document in;
          in.Parse(input.c_str());
          std::string id;
          if (!in.HasParseError() && in.IsObject()) {
            if (auto m = in.FindMember("id"); m != in.MemberEnd() && m->value.IsString()) id = m->value.GetString();
            if (auto m = in.FindMember("t0"); m != in.MemberEnd() && m->value.IsInt64() && r_.st().recording &&
                                               r_.st().in_load)
              r_.add_metric("start_request_to_worker", node, received_sys - m->value.GetInt64());
          }
          auto it = pending_.find(id);
          if (it == pending_.end()) {
            ++unknown_;
          } else if (r_.st().recording && r_.st().in_load) {
            if (it->second.have_resp) {
              r_.add_metric("schedule_to_worker", node,
                            std::chrono::duration_cast<std::chrono::microseconds>(received - it->second.start_resp)
                                .count());
            } else {
              ++early_;
              r_.add_metric("schedule_to_worker", node, 0);
            }
          }
          std::string output = json_object({{"id", id}, {"worker", worker}, {"ok", true}});
          r_.aws(
              "SendTaskSuccess", json_object({{"taskToken", token}, {"output", output}}),
              [this, k, node, id, output](aws_reply& s) {
                if (s.cancelled) return;
                if (s.ok && r_.st().in_load && r_.st().recording) {
                  ++tasks_;
                  ++r_.st().nodes[node].tasks;
                }
                auto it = pending_.find(id);
                if (it != pending_.end()) {
                  if (s.ok) {
                    it->second.worker_done = true;
                    it->second.output = output;
                  } else {
                    it->second.worker_failed = true;
                  }
                  if (it->second.waiter) {
                    auto w = std::move(it->second.waiter);
                    it->second.waiter = nullptr;
                    w();
                  }
                }
                poll(k);
              },
              wpool);
        },
        wpool);
  }

  std::string activity_arn_, sm_arn_;
  std::vector<std::unique_ptr<pool>> wpools_;  ///< one per endpoint
  std::unordered_map<std::string, pend> pending_;
  bool stop_ = false;
  uint64_t tasks_ = 0, early_ = 0, unknown_ = 0;
};

// ---------------------------------------------------------------- resident

class resident : public scenario {
 public:
  resident(runner& r, bool mixed) : scenario(r), mixed_(mixed) {}
  std::string name() const override { return "resident"; }
  std::string headline() const override { return "StartExecution"; }

  void setup(std::function<void(std::string)> done) override {
    std::string def = build([&](writer& w) {
      w.StartObject();
      put(w, "Comment", "statecraft-traffic: parked in a long Wait");
      put(w, "StartAt", "Park");
      w.Key("States");
      w.StartObject();
      w.Key("Park");
      w.StartObject();
      put(w, "Type", "Wait");
      w.Key("Seconds");
      w.Int(r_.opts().wait_seconds);
      put(w, "Next", "Done");
      w.EndObject();
      w.Key("Done");
      w.StartObject();
      put(w, "Type", "Pass");
      w.Key("End");
      w.Bool(true);
      w.EndObject();
      w.EndObject();
      w.EndObject();
    });
    create_machine(r_, r_.resource_name("resident"), def, "STANDARD", [this, done](std::string arn, std::string err) {
      arn_ = arn;
      done(err);
    });
  }

  void iterate(size_t node, std::function<void(outcome)> done) override {
    std::string name = r_.next_name();
    std::string input = json_object({{"id", name}});
    r_.aws("StartExecution", start_body(r_, arn_, name, input),
           [this, node, done](aws_reply& rep) {
             if (!rep.ok) return done(rep.as_outcome());
             std::string arn = rep.str("executionArn");
             if (arn.empty()) return done(outcome::mismatch);
             if (!mixed_) {
               parked_.push_back({arn, node});
               return done(outcome::verified);
             }
             stop_one(arn, node, [done](outcome o) { done(o); });
           },
           &r_.main_pool(node));
  }

  void after_load(std::function<void()> done) override {
    if (mixed_) return done();
    char msg[160];
    std::snprintf(msg, sizeof msg, "parked %zu executions; holding %.1f s", parked_.size(), r_.opts().hold);
    r_.note(msg);
    r_.after(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(r_.opts().hold)),
             [this, done] {
               if (r_.opts().no_stop) {
                 r_.st().values["stopped"] = 0;
                 return done();
               }
               stop_phase(done);
             });
  }

  void cleanup(std::function<void()> done) override {
    if (r_.opts().no_stop) return done();  // a DELETING machine would be left behind
    delete_machine(r_, arn_, done);
  }

 private:
  /// Stops an execution through the endpoint that started it.
  void stop_one(const std::string& arn, size_t node, std::function<void(outcome)> done) {
    r_.aws("StopExecution",
           json_object({{"executionArn", arn}, {"error", "statecraft-traffic"}, {"cause", "stop phase"}}),
           [this, arn, node, done](aws_reply& rep) {
             if (!rep.ok) return done(rep.as_outcome());
             r_.await_final(arn, [this, arn, done](aws_reply& d) {
               if (!d.ok) return done(d.as_outcome());
               std::string status = d.str("status");
               if (status != "ABORTED") {
                 r_.st().sample(arn + ": status " + status + " after StopExecution (expected ABORTED)");
                 return done(outcome::mismatch);
               }
               done(outcome::verified);
             }, node);
           },
           &r_.main_pool(node));
  }

  void stop_phase(std::function<void()> done) {
    stop_t0_ = clock::now();
    stop_done_cb_ = std::move(done);
    size_t users = std::max<size_t>(1, static_cast<size_t>(r_.opts().rate > 0 ? r_.opts().connections
                                                                              : r_.opts().concurrency));
    users = std::min(users, std::max<size_t>(1, parked_.size()));
    stop_users_ = users;
    for (size_t i = 0; i < users; ++i) stop_next();
  }

  void stop_next() {
    if (next_stop_ >= parked_.size()) {
      if (--stop_users_ == 0) {
        double el = std::chrono::duration<double>(clock::now() - stop_t0_).count();
        auto& v = r_.st().values;
        v["stop_phase_s"] = el;
        v["stopped_verified"] = static_cast<double>(stop_ok_);
        v["stop_mismatches"] = static_cast<double>(stop_bad_);
        v["stop_failed"] = static_cast<double>(stop_failed_);
        v["stops_per_s"] = el > 0 ? stop_ok_ / el : 0;
        // A stop that did not end ABORTED is a correctness failure.
        r_.st().mismatches += stop_bad_;
        r_.st().failed += stop_failed_;
        auto cb = std::move(stop_done_cb_);
        cb();
      }
      return;
    }
    auto [arn, node] = parked_[next_stop_++];
    auto t = clock::now();
    stop_one(arn, node, [this, t, node = node](outcome o) {
      if (o == outcome::verified) {
        ++stop_ok_;
        r_.add_metric("stop_and_verify", node,
                      std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t).count());
      } else if (o == outcome::mismatch) {
        ++stop_bad_;
        ++r_.st().nodes[node].mismatches;
      } else {
        ++stop_failed_;
        ++r_.st().nodes[node].failed;
      }
      asio::post(r_.io(), [this] { stop_next(); });
    });
  }

  bool mixed_;
  std::string arn_;
  std::vector<std::pair<std::string, size_t>> parked_;  ///< (execution ARN, endpoint)
  size_t next_stop_ = 0, stop_users_ = 0;
  uint64_t stop_ok_ = 0, stop_bad_ = 0, stop_failed_ = 0;
  clock::time_point stop_t0_;
  std::function<void()> stop_done_cb_;
};

// ---------------------------------------------------------------- history

class history : public scenario {
 public:
  explicit history(runner& r) : scenario(r) {}
  std::string name() const override { return "history"; }
  std::string headline() const override { return "GetExecutionHistory"; }
  std::string unit() const override { return "page"; }

  void setup(std::function<void(std::string)> done) override {
    std::string def = build([&](writer& w) {
      w.StartObject();
      put(w, "Comment", "statecraft-traffic: a Map of one Pass over many items (a long history)");
      put(w, "StartAt", "Each");
      w.Key("States");
      w.StartObject();
      w.Key("Each");
      w.StartObject();
      put(w, "Type", "Map");
      put(w, "ItemsPath", "$.items");
      w.Key("MaxConcurrency");
      w.Int(1);
      w.Key("Iterator");
      w.StartObject();
      put(w, "StartAt", "P");
      w.Key("States");
      w.StartObject();
      w.Key("P");
      w.StartObject();
      put(w, "Type", "Pass");
      w.Key("End");
      w.Bool(true);
      w.EndObject();
      w.EndObject();
      w.EndObject();
      w.Key("End");
      w.Bool(true);
      w.EndObject();
      w.EndObject();
      w.EndObject();
    });
    std::string input = build([&](writer& w) {
      w.StartObject();
      w.Key("items");
      w.StartArray();
      for (int i = 0; i < r_.opts().history_items; ++i) w.Int(i);
      w.EndArray();
      w.EndObject();
    });
    create_machine(r_, r_.resource_name("history"), def, "STANDARD",
                   [this, done, input](std::string arn, std::string err) {
                     sm_arn_ = arn;
                     if (!err.empty()) return done(err);
                     r_.aws("StartExecution",
                            json_object({{"stateMachineArn", sm_arn_},
                                         {"name", r_.resource_name("history-exec")},
                                         {"input", input}}),
                            [this, done](aws_reply& rep) {
                              if (!rep.ok) return done("StartExecution: " + rep.error + " " + rep.message);
                              exec_arn_ = rep.str("executionArn");
                              r_.await_final(exec_arn_, [this, done](aws_reply& d) {
                                if (!d.ok) return done("DescribeExecution: " + d.error + " " + d.message);
                                if (d.str("status") != "SUCCEEDED")
                                  return done("the history execution ended " + d.str("status"));
                                count_all("", 0, done);
                              });
                            });
                   });
  }

  void iterate(size_t node, std::function<void(outcome)> done) override {
    r_.aws("GetExecutionHistory", json_object({{"executionArn", exec_arn_}, {"maxResults", int64_t{1000}}}),
           [this, done](aws_reply& rep) {
             if (!rep.ok) return done(rep.as_outcome());
             auto ev = rep.doc.FindMember("events");
             if (ev == rep.doc.MemberEnd() || !ev->value.IsArray()) {
               r_.st().sample("GetExecutionHistory: no events array");
               return done(outcome::mismatch);
             }
             size_t want = std::min<size_t>(total_, 1000);
             auto& arr = ev->value;
             if (arr.Size() != want) {
               r_.st().sample("GetExecutionHistory: " + std::to_string(arr.Size()) + " events, expected " +
                              std::to_string(want));
               return done(outcome::mismatch);
             }
             for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
               auto id = arr[i].FindMember("id");
               if (id == arr[i].MemberEnd() || !id->value.IsInt64() || id->value.GetInt64() != int64_t(i) + 1) {
                 r_.st().sample("GetExecutionHistory: event " + std::to_string(i) + " has the wrong id");
                 return done(outcome::mismatch);
               }
             }
             done(outcome::verified);
           },
           &r_.main_pool(node));
  }

  void cleanup(std::function<void()> done) override { delete_machine(r_, sm_arn_, done); }

 private:
  void count_all(std::string token, size_t pages, std::function<void(std::string)> done) {
    std::string body = token.empty()
                           ? json_object({{"executionArn", exec_arn_}, {"maxResults", int64_t{1000}}})
                           : json_object({{"executionArn", exec_arn_}, {"maxResults", int64_t{1000}}, {"nextToken", token}});
    r_.aws("GetExecutionHistory", body, [this, pages, done](aws_reply& rep) {
      if (!rep.ok) return done("GetExecutionHistory: " + rep.error + " " + rep.message);
      auto ev = rep.doc.FindMember("events");
      if (ev == rep.doc.MemberEnd() || !ev->value.IsArray()) return done("GetExecutionHistory: no events");
      total_ += ev->value.Size();
      if (ev->value.Size() > 0) {
        auto& last = ev->value[ev->value.Size() - 1];
        if (auto t = last.FindMember("type"); t != last.MemberEnd() && t->value.IsString()) last_type_ = t->value.GetString();
      }
      std::string next = rep.str("nextToken");
      if (!next.empty() && pages < 1000) return count_all(next, pages + 1, done);
      r_.st().values["history_events"] = static_cast<double>(total_);
      r_.st().values["history_pages_per_fetch_all"] = static_cast<double>(pages + 1);
      if (last_type_ != "ExecutionSucceeded") return done("the history does not end with ExecutionSucceeded");
      done("");
    });
  }

  std::string sm_arn_, exec_arn_, last_type_;
  size_t total_ = 0;
};

// ---------------------------------------------------------------- polls

class polls : public scenario {
 public:
  explicit polls(runner& r) : scenario(r) {}
  std::string name() const override { return "polls"; }
  std::string headline() const override { return "park"; }
  std::string unit() const override { return "poll"; }

  void setup(std::function<void(std::string)> done) override {
    r_.aws("CreateActivity", json_object({{"name", r_.resource_name("polls")}}), [this, done](aws_reply& rep) {
      if (!rep.ok) return done("CreateActivity: " + rep.error + " " + rep.message);
      activity_arn_ = rep.str("activityArn");
      done("");
    });
  }

  void iterate(size_t, std::function<void(outcome)> done) override { done(outcome::abandoned); }

  /// Poll k is parked on endpoint k % N.
  bool custom_load(std::function<void()> done) override {
    size_t n = r_.nodes();
    for (size_t i = 0; i < n; ++i) {
      pool::options po = r_.pool_defaults();
      po.connections = static_cast<size_t>(std::max(1, share(r_.opts().workers, n, i)));
      po.node = i;
      ppools_.push_back(std::make_unique<pool>(r_.io(), r_.ep(i), po));
    }
    t0_ = clock::now();
    for (int k = 0; k < r_.opts().workers; ++k) poll(k);
    wait_open(std::move(done));
    return true;
  }

  void shutdown() override {
    stop_ = true;
    for (auto& p : ppools_) p->close_all();
  }

  void cleanup(std::function<void()> done) override {
    if (activity_arn_.empty()) return done();
    r_.aws("DeleteActivity", json_object({{"activityArn", activity_arn_}}), [done](aws_reply&) { done(); });
  }

 private:
  void poll(int k) {
    if (stop_) return;
    size_t node = static_cast<size_t>(k) % ppools_.size();
    ++r_.st().started;
    ++r_.st().nodes[node].started;
    r_.aws(
        "GetActivityTask", json_object({{"activityArn", activity_arn_}, {"workerName", "p" + std::to_string(k)}}),
        [this, k, node](aws_reply& rep) {
          if (stop_ || rep.cancelled) return;
          if (!rep.ok) {
            ++r_.st().failed;
            ++r_.st().nodes[node].failed;
            return;
          }
          if (!rep.str("taskToken").empty()) ++unexpected_;
          poll(k);  // the long poll timed out: park again
        },
        ppools_[node].get());
  }

  void wait_open(std::function<void()> done) {
    size_t want = static_cast<size_t>(r_.opts().workers);
    double el = std::chrono::duration<double>(clock::now() - t0_).count();
    if (open_connections() < want && el < 120 && !r_.stopping()) {
      r_.after(20ms, [this, done] { wait_open(done); });
      return;
    }
    r_.st().values["connect_all_s"] = el;
    // Give the node a moment to read and park every request.
    r_.after(1s, [this, done, want] {
      size_t parked = in_flight();
      r_.st().values["polls_parked"] = static_cast<double>(parked);
      r_.st().values["open_connections"] = static_cast<double>(open_connections());
      char msg[160];
      std::snprintf(msg, sizeof msg, "parked %zu polls; holding %.1f s", parked, r_.opts().hold);
      r_.note(msg);
      r_.after(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(r_.opts().hold)),
               [this, done, want] {
                 size_t still = in_flight();
                 r_.st().values["polls_parked_at_end"] = static_cast<double>(still);
                 r_.st().verified = still;
                 for (size_t i = 0; i < ppools_.size(); ++i) r_.st().nodes[i].verified = ppools_[i]->in_flight();
                 if (still < want) r_.st().sample(std::to_string(want - still) + " poll(s) were not parked at the end");
                 if (unexpected_) r_.st().values["unexpected_tasks"] = static_cast<double>(unexpected_);
                 stop_ = true;
                 for (auto& p : ppools_) p->close_all();
                 done();
               });
    });
  }

  size_t open_connections() const {
    size_t n = 0;
    for (auto& p : ppools_) n += p->open_connections();
    return n;
  }
  size_t in_flight() const {
    size_t n = 0;
    for (auto& p : ppools_) n += p->in_flight();
    return n;
  }

  std::string activity_arn_;
  std::vector<std::unique_ptr<pool>> ppools_;  ///< one per endpoint
  clock::time_point t0_;
  bool stop_ = false;
  uint64_t unexpected_ = 0;
};

// ---------------------------------------------------------------- mix

class mix : public scenario {
 public:
  explicit mix(runner& r) : scenario(r) {
    for (auto& [name, w] : r.opts().mix) {
      subs_.push_back({make_scenario(name, r, true), w});
      total_ += w;
    }
  }
  std::string name() const override { return "mix"; }

  void setup(std::function<void(std::string)> done) override { setup_from(0, std::move(done)); }

  void iterate(size_t node, std::function<void(outcome)> done) override {
    uint64_t pick = r_.rng()() % static_cast<uint64_t>(total_);
    size_t i = 0;
    while (pick >= static_cast<uint64_t>(subs_[i].second)) {
      pick -= static_cast<uint64_t>(subs_[i].second);
      ++i;
    }
    auto t = clock::now();
    auto* s = subs_[i].first.get();
    s->iterate(node, [this, s, t, node, done](outcome o) {
      if (o == outcome::verified && r_.st().recording)
        r_.add_metric("iteration:" + s->name(), node,
                      std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t).count());
      done(o);
    });
  }

  void on_abandon() override {
    for (auto& s : subs_) s.first->on_abandon();
  }
  void finalize(double el) override {
    for (auto& s : subs_) s.first->finalize(el);
  }
  void shutdown() override {
    for (auto& s : subs_) s.first->shutdown();
  }
  void cleanup(std::function<void()> done) override { cleanup_from(0, std::move(done)); }

 private:
  void setup_from(size_t i, std::function<void(std::string)> done) {
    if (i == subs_.size()) return done("");
    subs_[i].first->setup([this, i, done](std::string err) {
      if (!err.empty()) return done(subs_[i].first->name() + ": " + err);
      setup_from(i + 1, done);
    });
  }
  void cleanup_from(size_t i, std::function<void()> done) {
    if (i == subs_.size()) return done();
    subs_[i].first->cleanup([this, i, done] { cleanup_from(i + 1, done); });
  }

  std::vector<std::pair<std::unique_ptr<scenario>, int>> subs_;
  int total_ = 0;
};

}  // namespace

std::unique_ptr<scenario> make_scenario(const std::string& name, runner& r, bool in_mix) {
  if (name == "pass-chain") return std::make_unique<chain>(r, false);
  if (name == "express-sync") return std::make_unique<chain>(r, true);
  if (name == "pass-chain-jsonata") return std::make_unique<chain>(r, false, true);
  if (name == "express-sync-jsonata") return std::make_unique<chain>(r, true, true);
  if (name == "activity") return std::make_unique<activity>(r);
  if (name == "resident") return std::make_unique<resident>(r, in_mix);
  if (name == "history") return std::make_unique<history>(r);
  if (name == "polls") return std::make_unique<polls>(r);
  if (name == "mix") return std::make_unique<mix>(r);
  return nullptr;
}

}  // namespace sc::traffic
