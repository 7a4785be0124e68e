// Mock files in the format of Step Functions Local's MockConfigFile.
//
//   {"StateMachines": {"<machine name>": {"TestCases": {"<test case>":
//       {"<state name>": "<mocked response name>", …}}}},
//    "MockedResponses": {"<name>": {"0": {"Return": <JSON>},
//                                   "1-2": {"Throw": {"Error": "…", "Cause": "…"}}}}}
//
// An execution started on `<stateMachineArn>#<test case>` runs the machine
// with that test case (the test case's name is kept on its record). Each
// Task state the test case names is answered from its mocked response and
// calls nothing: "Return" is the task's result (what ResultSelector and
// ResultPath then see), "Throw" fails the task with Error and Cause. The
// keys count the state's invocations in the execution from 0 (retries and
// Map iterations each invoke it again); past the last key the last
// response is used again. States the test case does not name run as
// usual. Unlike Step Functions Local, activity tasks can be mocked too.
//
// The file is read at start (a broken file there stops the node) and
// whenever its modification time changes (polled every 500 ms); a broken
// file then is reported with the location of each problem and the last
// good one stays in use. Private to actors/ and tools/statecraftd.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <condition_variable>
#include <vector>

namespace sc::actors {

struct mock_answer {
  bool failed = false;     ///< Throw
  std::string output;      ///< Return's JSON text
  std::string error, cause;
  bool has_error = false, has_cause = false;
};

struct mock_file {
  struct response_range {
    int64_t from = 0, to = 0;  ///< invocations, inclusive
    mock_answer answer;
  };
  /// machine name → test case → state name → response name
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> machines;
  /// response name → ranges in order
  std::map<std::string, std::vector<response_range>> responses;
};

/// Parses a mock file's text. On failure returns nullopt and one line per
/// problem in `problems` ("$.MockedResponses.X[\"1-2\"]: …").
std::optional<mock_file> parse_mock_file(const std::string& text,
                                         std::vector<std::string>& problems);

class mock_config {
 public:
  /// Loads `path`; on failure `problems` says why and the object holds no
  /// mocks (the caller decides whether to start).
  mock_config(std::string path, std::vector<std::string>& problems);
  ~mock_config();
  mock_config(const mock_config&) = delete;
  mock_config& operator=(const mock_config&) = delete;

  /// Polls the file's modification time and reloads it on change.
  void watch();

  bool has_test_case(const std::string& machine, const std::string& test_case) const;

  /// The next answer of `state` in execution `execution_arn` running
  /// `test_case` of `machine`; nullopt when the test case does not mock it.
  std::optional<mock_answer> answer(const std::string& machine, const std::string& test_case,
                                    const std::string& state, const std::string& execution_arn);

  /// The execution ended: drop its invocation counts.
  void forget(const std::string& execution_arn);

  const std::string& path() const { return path_; }

 private:
  bool load(std::vector<std::string>& problems);
  void poll();

  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const mock_file> file_;
  int64_t mtime_ns_ = -1;
  std::map<std::string, int64_t> counts_;  ///< execution ARN + '\n' + state → invocations
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread poller_;
};

/// The machine's name in an ARN (…:stateMachine:<name>[:qualifier]).
std::string machine_name_of(const std::string& machine_arn);

}  // namespace sc::actors
