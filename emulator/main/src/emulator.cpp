#include "fogbank/main/emulator.hpp"

#include "fogbank/main/temporary_directory.hpp"

#include "fogbank/apigw/connections.hpp"
#include "fogbank/apigw/http_api.hpp"
#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/apigw/service.hpp"
#include "fogbank/apigw/websocket.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/dispatch/registry.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/dynamodb/streams.hpp"
#include "fogbank/lambda/cpp_host.hpp"
#include "fogbank/lambda/service.hpp"
#include "fogbank/sns/service.hpp"
#include "fogbank/sqs/service.hpp"
#include "fogbank/storage/database.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace fogbank {
namespace {

// The id streams of a run (core::id_generator::derive_seed). Resource ids also depend on the
// data directory's generation: a server restarted on its data with the same seed must not hand
// out the message ids and stream event ids it handed out before.
constexpr std::uint64_t request_id_stream = 0;
constexpr std::uint64_t first_resource_id_stream = 1;

// How many times the data directory has been opened, kept beside the services' own metadata.
constexpr std::string_view generation_key = "fogbank/generation";

// Reads the generation and stores the next one. nullopt (with `*error`) on a storage failure.
std::optional<std::uint64_t> next_generation(storage::database& db, std::string* error) {
  std::string text;
  std::uint64_t generation = 0;
  const storage::status read = db.get(storage::column::meta, generation_key, &text);
  if (read.is_ok()) {
    generation = std::strtoull(text.c_str(), nullptr, 10) + 1;
  } else if (!read.is_not_found()) {
    *error = "cannot read the data directory's generation: " + read.message();
    return std::nullopt;
  }
  storage::write_batch batch;
  batch.put(storage::column::meta, std::string(generation_key), std::to_string(generation));
  if (const storage::status written = db.write(batch); !written.is_ok()) {
    *error = "cannot write the data directory's generation: " + written.message();
    return std::nullopt;
  }
  return generation;
}

}  // namespace

// Members in dependency order: destroyed in reverse, so services go before the scheduler they
// schedule on, the clock and ids, and storage goes last.
struct emulator::parts {
  parts(const emulator_options& options, std::unique_ptr<storage::database> database,
        std::uint64_t generation)
      : db(std::move(database)),
        manual(options.manual_clock ? std::optional<core::manual_clock>(std::in_place, options.clock_start)
                                    : std::nullopt),
        clock(manual ? static_cast<core::clock&>(*manual) : real),
        resource_ids(core::id_generator::derive_seed(options.seed, first_resource_id_stream + generation)),
        request_ids(core::id_generator::derive_seed(options.seed, request_id_stream)),
        scheduler(clock),
        registry(request_ids),
        client(registry, scheduler, /*can_wait=*/!manual) {}

  std::unique_ptr<storage::database> db;
  core::real_clock real;
  std::optional<core::manual_clock> manual;
  core::clock& clock;
  core::id_generator resource_ids;
  core::id_generator request_ids;
  core::scheduler scheduler;
  std::unique_ptr<dynamodb::service> dynamodb;
  std::unique_ptr<dynamodb::streams_service> dynamodb_streams;
  std::unique_ptr<sqs::service> sqs;
  std::unique_ptr<apigw::service> apigw;
  std::unique_ptr<apigw::connection_registry> websocket_connections;
  std::unique_ptr<apigw::connections_service> apigw_management;
  std::unique_ptr<apigw::websocket_gateway> websocket_gateway;
  std::unique_ptr<apigw::http_api_gateway> http_api_gateway;
  std::unique_ptr<apigw::rest_api_service> rest_apis;
  std::unique_ptr<apigw::rest_gateway> rest_gateway;
  dispatch::registry registry;
  dispatch::client client;
  // Lambda calls other services through the client, so it comes after it (and goes first).
  temporary_directory code_dir;
  std::unique_ptr<lambda::service> lambda;
  // SQS as the registry serves it: every call passed on, sends announced to Lambda's mappings.
  std::unique_ptr<core::service> sqs_watch;
  // SNS delivers to SQS and Lambda through the client, so it goes before both.
  std::unique_ptr<sns::service> sns;
};

std::unique_ptr<emulator> emulator::open(const emulator_options& options, std::string* error) {
  storage::open_options storage_options;
  storage_options.in_memory = options.data_dir.empty();
  if (!storage_options.in_memory) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      *error = "cannot create data directory '" + options.data_dir + "': " + ec.message();
      return nullptr;
    }
    // RocksDB's files live in a subdirectory, so the data directory can hold other state later.
    storage_options.path = (std::filesystem::path(options.data_dir) / "rocksdb").string();
  }
  std::string storage_error;
  std::unique_ptr<storage::database> db = storage::database::open(storage_options, &storage_error);
  if (!db) {
    *error = "cannot open storage" +
             (storage_options.in_memory ? std::string(" in memory") : " in '" + storage_options.path + "'") +
             ": " + storage_error;
    return nullptr;
  }
  if (options.wrap_storage) db = options.wrap_storage(std::move(db));
  const std::optional<std::uint64_t> generation = next_generation(*db, error);
  if (!generation) return nullptr;
  auto p = std::make_unique<parts>(options, std::move(db), *generation);
  try {
    p->dynamodb = std::make_unique<dynamodb::service>(*p->db, p->clock, p->scheduler, p->resource_ids);
    p->dynamodb_streams = std::make_unique<dynamodb::streams_service>(*p->dynamodb);
    p->sqs = std::make_unique<sqs::service>(*p->db, p->clock, p->scheduler, p->resource_ids);
    lambda::service_options lambda_options;
    if (options.data_dir.empty()) {
      if (!p->code_dir.make("fogbank-", "Lambda's code", error)) return nullptr;
      lambda_options.code_root = p->code_dir.path();
    } else {
      lambda_options.code_root = options.data_dir;
    }
    lambda_options.default_concurrency = options.lambda_concurrency;
    // On a manual clock whoever moves the clock waits for each handler: the clock stands still
    // while one runs, and invocations run one at a time.
    lambda_options.wait_for_invocations = options.manual_clock && options.lambda_waits_on_manual_clock;
    lambda_options.hosts.push_back(lambda::make_cpp_host(p->clock, p->client));
    for (const auto& host : options.runtime_hosts) lambda_options.hosts.push_back(host);
    if (options.wrap_runtime_host) {
      for (auto& host : lambda_options.hosts) host = options.wrap_runtime_host(std::move(host));
    }
    // Stream mappings hear of each record as it commits; SQS mappings of each message through
    // the wrapper registered in SQS's place below.
    lambda_options.subscribe_stream = [service = p->dynamodb.get()](const std::string& table,
                                                                    std::function<void()> wake) {
      return service->subscribe_stream(table, [wake = std::move(wake)](const nlohmann::json&) { wake(); });
    };
    lambda_options.unsubscribe_stream = [service = p->dynamodb.get()](std::uint64_t id) {
      (void)service->unsubscribe_stream(id);
    };
    p->lambda = std::make_unique<lambda::service>(*p->db, p->clock, p->scheduler, p->resource_ids,
                                                  p->request_ids, p->client, std::move(lambda_options));
    p->sqs_watch = p->lambda->watch_sqs(*p->sqs);
    p->sns = std::make_unique<sns::service>(*p->db, p->clock, p->scheduler, p->resource_ids, p->client);
    p->apigw = std::make_unique<apigw::service>(*p->db, p->clock, p->resource_ids);
    p->websocket_connections = std::make_unique<apigw::connection_registry>(
        p->clock, p->scheduler, p->resource_ids,
        apigw::connection_timeouts{options.websocket_idle_timeout, options.websocket_max_lifetime});
    p->apigw_management = std::make_unique<apigw::connections_service>(*p->websocket_connections);
    p->websocket_gateway =
        std::make_unique<apigw::websocket_gateway>(*p->apigw, *p->websocket_connections, p->client, p->clock);
    p->http_api_gateway = std::make_unique<apigw::http_api_gateway>(*p->apigw, p->client, p->clock,
                                                                    p->scheduler, p->resource_ids);
    // REST API ids are draws from the id stream apigatewayv2's come from (10 of [a-z0-9] each),
    // so the two kinds of API share no id short of two equal draws.
    p->rest_apis = std::make_unique<apigw::rest_api_service>(*p->db, p->clock, p->resource_ids);
    p->rest_gateway = std::make_unique<apigw::rest_gateway>(*p->rest_apis, p->client, p->clock, p->scheduler,
                                                            p->resource_ids);
  } catch (const std::exception& e) {
    // Reading back what the data directory holds failed.
    *error = std::string("cannot read the stored data: ") + e.what();
    return nullptr;
  }
  if (options.ttl_interval.count() > 0) p->dynamodb->start_ttl_sweeper(options.ttl_interval);

  // The registry rows: all that the HTTP front end knows of each service.
  p->registry.add({.name = "dynamodb",
                   .target_prefix = "DynamoDB_20120810.",
                   .error_namespace = "com.amazonaws.dynamodb.v20120810",
                   .request_ids = dispatch::request_id_style::upper_alnum_52,
                   .operations_without_output = {"TagResource", "UntagResource"},
                   .service = p->dynamodb.get()});
  p->registry.add({.name = "dynamodbstreams",
                   .target_prefix = "DynamoDBStreams_20120810.",
                   .error_namespace = "com.amazonaws.dynamodb.v20120810",
                   .request_ids = dispatch::request_id_style::upper_alnum_52,
                   .service = p->dynamodb_streams.get()});
  p->registry.add({.name = "sqs",
                   .target_prefix = "AmazonSQS.",
                   .error_namespace = "com.amazonaws.sqs",
                   .query_compatible = true,
                   .query_protocol = true,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->sqs_watch.get()});
  p->registry.add({.name = "lambda",
                   .rest_protocol = true,
                   // "Request must be smaller than 70167211 bytes for the CreateFunction operation".
                   .max_request_bytes = 70'167'211,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->lambda.get()});
  // API Gateway's services speak REST-JSON: the HTTP front end routes them by method and path
  // ("/v2/apis/...", "/@connections/{id}" and "/<stage>/@connections/{id}").
  p->registry.add({.name = "apigatewayv2",
                   .rest_protocol = true,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->apigw.get()});
  p->registry.add({.name = "apigatewaymanagementapi",
                   .rest_protocol = true,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->apigw_management.get()});
  // API Gateway's REST API control plane ("/restapis/..."), REST-JSON too.
  p->registry.add({.name = "apigateway",
                   .rest_protocol = true,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->rest_apis.get()});
  // SNS: the query protocol, which every SDK of today speaks (botocore 1.43's sns model lists no
  // other), and AWS JSON 1.0 the way AWS moved SQS and CloudWatch to it: X-Amz-Target
  // "SNS_20100331.<Operation>" (the target other emulators accept from SDKs that send it, e.g.
  // floci's SnsJsonHandler), errors with the query code in x-amzn-query-error.
  p->registry.add({.name = "sns",
                   .target_prefix = "SNS_20100331.",
                   .error_namespace = "com.amazonaws.sns",
                   .query_compatible = true,
                   .query_protocol = true,
                   .request_ids = dispatch::request_id_style::uuid,
                   .service = p->sns.get()});
  // Runs the TTL sweep now, so that tests never wait for the periodic one.
  p->registry.add_admin({"POST", "/_fogbank/dynamodb/expire", [service = p->dynamodb.get()] {
                           return nlohmann::json{{"expired", service->expire_now()}};
                         }});
  // The recent invocation logs of every function (START ... REPORT and what handlers wrote).
  p->registry.add_admin({"GET", "/_fogbank/lambda/logs", [service = p->lambda.get()] {
                           return nlohmann::json{{"logs", service->recent_logs()}};
                         }});
  // Invocations and throttles per function since the start (lambda::service::metrics()):
  // `fogbank bench` reports the throttles of its run, the ones no client sees included.
  p->registry.add_admin({"GET", "/_fogbank/lambda/metrics", [service = p->lambda.get()] {
                           return nlohmann::json{{"functions", service->metrics()}};
                         }});
  // Whether anything is left to do now: no scheduler entry due and no invocation in flight.
  // `fogbank run --endpoint` polls it for `settle` (emulator/scenario/README.md).
  p->registry.add_admin({"GET", "/_fogbank/idle", [raw = p.get()] {
                           const auto next = raw->scheduler.next_due();
                           const bool due = next && *next <= raw->clock.now();
                           const int running = raw->lambda->invocations_in_flight();
                           return nlohmann::json{{"idle", !due && running == 0},
                                                 {"due", due},
                                                 {"invocations_in_flight", running}};
                         }});
  return std::unique_ptr<emulator>(new emulator(std::move(p)));
}

emulator::emulator(std::unique_ptr<parts> parts) : parts_(std::move(parts)) {}

emulator::~emulator() {
  stop();
}

void emulator::start() {
  if (!parts_->manual) parts_->scheduler.start();
}

void emulator::stop() {
  parts_->scheduler.stop();
}

std::size_t emulator::run_until_idle() {
  return parts_->scheduler.run_due();
}

std::size_t emulator::advance(std::chrono::nanoseconds by) {
  if (!parts_->manual) return parts_->scheduler.run_due();
  core::manual_clock& clock = *parts_->manual;
  const core::time_point target = clock.now() + std::chrono::duration_cast<core::time_point::duration>(by);
  std::size_t ran = parts_->scheduler.run_due();
  // Each entry runs with the clock at its own due time, in (time, sequence) order.
  for (auto next = parts_->scheduler.next_due(); next && *next <= target;
       next = parts_->scheduler.next_due()) {
    if (*next > clock.now()) clock.set(*next);
    ran += parts_->scheduler.run_due();
  }
  clock.set(target);
  return ran + parts_->scheduler.run_due();
}

void emulator::set_endpoint(const std::string& endpoint) {
  core::call_context context = parts_->client.default_context();
  context.endpoint = endpoint;
  parts_->client.set_default_context(std::move(context));
  parts_->apigw->set_endpoint(endpoint);
  parts_->rest_apis->set_endpoint(endpoint);
}

bool emulator::has_manual_clock() const noexcept {
  return parts_->manual.has_value();
}
core::clock& emulator::clock() noexcept {
  return parts_->clock;
}
core::scheduler& emulator::scheduler() noexcept {
  return parts_->scheduler;
}
storage::database& emulator::database() noexcept {
  return *parts_->db;
}
dispatch::registry& emulator::services() noexcept {
  return parts_->registry;
}
const dispatch::client& emulator::client() const noexcept {
  return parts_->client;
}
dynamodb::service& emulator::dynamodb() noexcept {
  return *parts_->dynamodb;
}
dynamodb::streams_service& emulator::dynamodb_streams() noexcept {
  return *parts_->dynamodb_streams;
}
sqs::service& emulator::sqs() noexcept {
  return *parts_->sqs;
}
lambda::service& emulator::lambda() noexcept {
  return *parts_->lambda;
}

sns::service& emulator::sns() noexcept {
  return *parts_->sns;
}

apigw::service& emulator::apigw() noexcept {
  return *parts_->apigw;
}
apigw::connection_registry& emulator::websocket_connections() noexcept {
  return *parts_->websocket_connections;
}
apigw::websocket_gateway& emulator::websocket_gateway() noexcept {
  return *parts_->websocket_gateway;
}
apigw::http_api_gateway& emulator::http_api_gateway() noexcept {
  return *parts_->http_api_gateway;
}
apigw::rest_api_service& emulator::rest_apis() noexcept {
  return *parts_->rest_apis;
}
apigw::rest_gateway& emulator::rest_gateway() noexcept {
  return *parts_->rest_gateway;
}

nlohmann::json emulator::health() const {
  return parts_->registry.health();
}

}  // namespace fogbank
