// Node configuration: plain structs with inline defaults, one per section of
// the YAML file (config/statecraft.example.yaml documents every key). A
// default-constructed `settings` is a valid configuration for a single local
// node. Values are filled from a YAML file and command-line flags by
// config/load.hpp, which also validates them; nothing here does I/O.
//
// Field names are the YAML key names (snake_case); flag names use dashes.
#pragma once

#include "config/outbound.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sc::config {

/// `node:` — identity, listening socket, logging and thread pools.
struct node_settings {
  /// Cluster-unique node name; "" = "<hostname>-<pid>" chosen at start
  /// (see effective_node_id). Letters, digits, '.', '_', '-', ':'; at most 128.
  std::string node_id = "";
  /// Address the AWS-JSON API listens on (IPv4, IPv6 or host name).
  std::string bind = "127.0.0.1";
  /// TCP port of the API, 1..65535.
  int port = 8083;
  /// Region used in ARNs, e.g. "us-east-1" (lowercase letters, digits, dashes).
  std::string region = "us-east-1";
  /// Account id used in ARNs: exactly 12 digits.
  std::string account_id = "123456789012";
  /// Minimum log level: trace, debug, info, warn, error or off.
  std::string log_level = "info";
  /// Log line format on stderr: "text" (`statecraftd: message`) or "json"
  /// (one JSON object per line: time, level, msg; docs/observability.md).
  std::string log_format = "text";
  /// Threads serving network I/O, 0..64; 0 = automatic: 1 with the memory
  /// store (fastest on a small machine), 2 with Redis (API calls that read
  /// Redis wait for it on their io thread).
  int io_threads = 0;
  /// Threads running executions, 0..256; 0 = one per core
  /// (see effective_worker_threads).
  int worker_threads = 0;

  bool operator==(const node_settings&) const = default;
};

/// `api:` — limits of the HTTP front end.
struct api_settings {
  /// Largest accepted request body in bytes (at least 1024). Default 1 MiB.
  std::size_t max_request_bytes = 1048576;
  /// Most simultaneous client connections; 0 = derived from the process's
  /// descriptor limit (`ulimit -n`) minus headroom (statecraftd also clamps
  /// a configured value to it).
  std::size_t max_connections = 0;
  /// Most simultaneous connections from one client address; 0 = 7/8 of
  /// max_connections, so one client can never lock every other out.
  std::size_t max_connections_per_client = 0;
  /// Seconds a keep-alive connection may sit without a request (and a client
  /// may take to read an answer) before it is closed.
  double idle_timeout_seconds = 60;
  /// Seconds a request may take to arrive, head and body, from its first
  /// byte (slow clients are closed).
  double header_timeout_seconds = 10;
  /// PEM certificate chain file: with tls_key_file, the API is served over
  /// HTTPS only (TLS 1.2 or later). Both empty = plain HTTP.
  std::string tls_cert_file = "";
  /// PEM private key of tls_cert_file.
  std::string tls_key_file = "";
  /// Folder of the web console's built assets (console/dist), served at
  /// GET /; "" = the build's own console/dist; "off" = no console.
  std::string console_dir = "";

  bool operator==(const api_settings&) const = default;
};

/// `activities:` — GetActivityTask long polling and task tokens.
struct activities_settings {
  /// How long GetActivityTask waits for work before returning an empty
  /// token, in seconds: > 0 and <= 60 (AWS holds a poll up to 60; the
  /// default answers just before, so clients whose read timeout is exactly
  /// 60 s, botocore's and the AWS CLI's, never give up first; tests use less).
  double poll_timeout_seconds = 59.0;
  /// HMAC key for task (and page) tokens, at least 16 characters when set.
  /// Memory store: "" = random per process (tokens do not survive a
  /// restart). Redis store: "" = the cluster's secrets kept in Redis (the
  /// first node creates one; every node and restart shares them; see
  /// cluster/secrets.hpp); when set, it must be one of the cluster's (the
  /// first node stores it as the cluster's), or the node refuses to start.
  std::string task_token_secret = "";

  bool operator==(const activities_settings&) const = default;
};

/// `executions:` — the execution engine.
struct executions_settings {
  /// Speed-up of virtual time, > 0: Wait states, timeouts and retry
  /// intervals are divided by it (tests use e.g. 100).
  double time_scale = 1.0;
  /// "wall" or "manual": with "manual", execution time (Wait states,
  /// timeouts, retry back-off, history timestamps) starts at `clock_start`
  /// and moves only through `POST /_statecraft/clock` (actors/clock.hpp);
  /// time_scale is then unused.
  std::string clock = "wall";
  /// The manual clock's first time, an ISO-8601 instant; "" = the wall time
  /// when the node starts. In a cluster, only the first node's counts.
  std::string clock_start = "";
  /// Most history events per execution (at least 1); an execution that
  /// would exceed it fails with States.Runtime, as on AWS.
  std::size_t history_event_limit = 25000;
  /// Most MiB of history one execution may hold (payloads repeated from a
  /// recent event count once); an execution that would exceed it fails with
  /// States.Runtime, as at the event limit.
  std::size_t history_bytes_limit_mb = 256;
  /// Seconds an execution with nothing to do (parked in a Wait, waiting for
  /// a worker) keeps its actor before it sleeps in the store, > 0.
  double idle_actor_seconds = 2.0;
  /// A mock file in Step Functions Local's MockConfigFile format ("" =
  /// the SFN_MOCK_CONFIG environment variable, or none). Reloaded when it
  /// changes; executions started on `<stateMachineArn>#<test case>` use it.
  std::string mock_config = "";

  bool operator==(const executions_settings&) const = default;
};

/// `limits:` — AWS's account quotas (per account and Region on AWS; per
/// store here, shared by every node of a cluster).
struct limits_settings {
  /// Most state machines (CreateStateMachine answers
  /// StateMachineLimitExceeded past it); AWS's default quota.
  std::size_t state_machines = 10000;
  /// Most activities (CreateActivity answers ActivityLimitExceeded).
  std::size_t activities = 10000;
  /// Most RUNNING Standard executions per account and Region (StartExecution
  /// and RedriveExecution answer ExecutionLimitExceeded past it); AWS's
  /// default quota. Counted by the memory store and in Redis (cluster-wide).
  std::size_t open_executions = 1000000;
  /// Most GetActivityTask polls waiting at once per activity on one node
  /// (ActivityWorkerLimitExceeded past it); AWS's quota per activity ARN.
  std::size_t pollers_per_activity = 1000;

  bool operator==(const limits_settings&) const = default;
};

/// `store:` — where state machines and executions are kept.
struct store_settings {
  /// "memory" (lost on exit) or "redis".
  std::string backend = "memory";
  /// redis://HOST:PORT[/DB], redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]
  /// or redis+cluster://HOST:PORT[,HOST:PORT...] (Redis Cluster; docs/cluster.md)
  /// (cluster/redis_endpoint.hpp); required when backend is "redis".
  std::string redis_url = "";
  /// Hours a finished execution is kept; 0 = keep forever.
  int retention_hours = 0;
  /// Memory store: most MiB of executions kept; beyond it the oldest
  /// finished executions are forgotten first. 0 = a quarter of the
  /// machine's physical memory.
  std::size_t memory_budget_mb = 0;
  /// Redis: > 0 = a write (an execution's save, StartExecution, …) is
  /// acknowledged only after WAIT reports this many replicas have it; with
  /// fewer within redis_wait_timeout_ms the write counts as failed (saves
  /// are retried, API calls answer an error).
  int redis_wait_replicas = 0;
  /// Redis: the longest WAIT for the replicas, 1..60000 ms.
  int redis_wait_timeout_ms = 1000;

  bool operator==(const store_settings&) const = default;
};

/// `cluster:` — several nodes on one Redis (used when store.backend is redis).
struct cluster_settings {
  /// Seconds between heartbeats, lease renewals and rebalancing, > 0.
  double heartbeat_seconds = 1.0;
  /// Seconds a shard lease (and a node's liveness) lasts without renewal,
  /// greater than heartbeat_seconds. A node killed with -9 loses its shards
  /// to the others after this long.
  double lease_ttl_seconds = 5.0;

  bool operator==(const cluster_settings&) const = default;
};

/// `aws:` — calls to AWS services (Task integrations, Distributed Map on
/// S3); docs/aws-integrations.md. Empty values fall back to the AWS SDKs'
/// own resolution (AWS_ENDPOINT_URL*, AWS_PROFILE, ~/.aws/config,
/// ~/.aws/credentials, container and instance metadata).
struct aws_settings {
  /// Endpoint for every service ("" = the SDKs' resolution), e.g. moto's
  /// "http://127.0.0.1:5000".
  std::string endpoint_url = "";
  /// Per-service endpoints "sqs=http://host:port,s3=http://..." (keys:
  /// Step Functions' service names or the SDKs' endpoint keys); first.
  std::string service_endpoints = "";
  /// Region of the calls ("" = AWS_REGION, AWS_DEFAULT_REGION, the
  /// profile's, else node.region).
  std::string region = "";
  /// Profile of the shared files ("" = AWS_PROFILE, else "default").
  std::string profile = "";
  /// Static credentials ("" = the SDKs' chain).
  std::string access_key_id = "";
  std::string secret_access_key = "";
  std::string session_token = "";
  /// S3 addressing: "auto" (path-style for custom endpoints, virtual-hosted
  /// on AWS), "path" or "virtual".
  std::string s3_addressing = "auto";
  /// Attempts of one call on throttling and 5xx answers (the SDKs' default 3).
  int max_attempts = 3;
  /// Seconds one HTTP call may take, > 0.
  double timeout_seconds = 60;
  /// Most calls in flight per service; more wait their turn.
  int max_concurrent_per_service = 64;
  /// AssumeRole the state machine's roleArn (and a Task's Credentials.RoleArn)
  /// through STS: "auto" (when STS answers; else the node's own credentials),
  /// "always" (fail the task when it cannot) or "never".
  std::string assume_role = "never";
  /// Distributed Map on S3 (interp/map_io.hpp): items an ItemReader reads
  /// per window (2 × MaxConcurrency when larger), the largest ranged GET
  /// of one window, and the bytes of ResultWriter records buffered in the
  /// Map's state before a SUCCEEDED_n / FAILED_n file is written.
  int map_window_items = 1000;
  int map_read_bytes = 8 << 20;
  int map_result_file_bytes = 1 << 20;

  bool operator==(const aws_settings&) const = default;
};

/// One entry of `auth.keys`: an access key the node accepts.
struct auth_key {
  std::string access_key_id;
  std::string secret_access_key;
  /// "full", "read-only" (Describe*, List*, Get* only) or "worker"
  /// (GetActivityTask and SendTask* only).
  std::string permissions = "full";
  /// 12-digit account its requests act in; "" = node.account_id.
  std::string account = "";

  bool operator==(const auth_key&) const = default;
};

/// `auth:` — who may call the API (config file only; api/auth.hpp).
struct auth_settings {
  /// "none" (any request is served, signatures are not checked) or
  /// "sigv4" (every request must carry a valid AWS Signature Version 4
  /// made with one of `keys`).
  std::string mode = "none";
  std::vector<auth_key> keys;

  bool operator==(const auth_settings&) const = default;
};

/// One override of AWS's API rate quota (`throttling.rates`).
struct api_rate {
  std::string api;  ///< operation name, e.g. "StartExecution"
  double bucket = 0;
  double refill_per_second = 0;

  bool operator==(const api_rate&) const = default;
};

/// `throttling:` — AWS's per-API request rate quotas as token buckets per
/// account and Region (api/throttle.hpp); off by default.
struct throttling_settings {
  bool enabled = false;
  /// Overrides of AWS's default bucket and refill for some operations.
  std::vector<api_rate> rates;

  bool operator==(const throttling_settings&) const = default;
};

/// `events:` — execution status change events and execution logs
/// (docs/observability.md).
struct events_settings {
  /// HTTP(S) URLs that receive every Standard execution's status change
  /// (EventBridge's "Step Functions Execution Status Change" shape), one
  /// POST per event, at-least-once. YAML: a list; flag/scalar: comma-separated.
  std::string webhooks = "";
  /// Redis store: also append each event to the stream `sc:{g}:status-events`
  /// (XADD, trimmed to about stream_max_len entries). "on" or "off" (the
  /// default: events cost Redis work on every status change).
  std::string redis_stream = "off";
  std::size_t stream_max_len = 100000;
  /// Where Express executions whose LoggingConfiguration level is not OFF
  /// are logged (CloudWatch Logs' record shape, one JSON object per line):
  /// "stdout", "stderr", or a file path (appended). "" = not logged.
  std::string execution_log = "stdout";

  bool operator==(const events_settings&) const = default;
};

/// The whole configuration of one statecraftd node.
struct settings {
  node_settings node;              ///< `node:` section.
  api_settings api;                ///< `api:` section.
  activities_settings activities;  ///< `activities:` section.
  executions_settings executions;  ///< `executions:` section.
  limits_settings limits;          ///< `limits:` section.
  store_settings store;            ///< `store:` section.
  cluster_settings cluster;        ///< `cluster:` section.
  aws_settings aws;                ///< `aws:` section.
  auth_settings auth;              ///< `auth:` section.
  throttling_settings throttling;  ///< `throttling:` section.
  events_settings events;          ///< `events:` section.
  outbound_settings outbound;      ///< `outbound:` section (config/outbound.hpp).
  std::vector<connection_settings> connections;  ///< `connections:` list.

  bool operator==(const settings&) const = default;
};

}  // namespace sc::config
