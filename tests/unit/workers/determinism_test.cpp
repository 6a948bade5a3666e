// Deterministic runs: the bootstraps give handlers the service clock, standing still at the
// invocation's service time, and randomness seeded per invocation; logs report zero durations, so
// that the same scenario gives the same transcript (fogbank's design, research doc D13).

#include "worker_fixture.hpp"

namespace fogbank::workers::testing {
namespace {

class determinism : public worker_test {
 protected:
  void SetUp() override {
    worker_test::SetUp();
    options_.deterministic = true;
  }

  lambda::invocation seeded(std::uint64_t seed, const std::string& id = "req") {
    auto c = call();
    c.request_id = id;
    c.random_seed = seed;
    return c;
  }
};

constexpr const char* node_probe = R"js(
const crypto = require('crypto');
const atLoad = Date.now();
exports.handler = async (event, context) => {
  await new Promise((resolve) => setTimeout(resolve, 20));  // real time passes; the clock does not
  const { randomUUID } = await import('node:crypto');
  return {
    atLoad, now: Date.now(), iso: new Date().toISOString(), later: new Date().getTime(),
    parsed: new Date('2020-01-02T03:04:05Z').getTime(), isDate: new Date() instanceof Date,
    remaining: context.getRemainingTimeInMillis(),
    random: [Math.random(), Math.random()], uuid: crypto.randomUUID(), esmUuid: randomUUID(),
    bytes: crypto.randomBytes(8).toString('hex'), web: globalThis.crypto.randomUUID(),
    int: crypto.randomInt(1000000), values: Array.from(crypto.getRandomValues(new Uint32Array(2))),
  };
};
)js";

TEST_F(determinism, NodeHandlerSeesTheServiceClockStandingStill) {
  write("index.js", node_probe);
  const auto outcome = invoke(function("nodejs20.x", "index.handler"), seeded(1));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  const json result = parsed(outcome);
  EXPECT_EQ(result["atLoad"], 1'700'000'000'123);
  EXPECT_EQ(result["now"], 1'700'000'000'123);
  EXPECT_EQ(result["later"], 1'700'000'000'123);
  EXPECT_EQ(result["iso"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(result["parsed"], 1'577'934'245'000);
  EXPECT_EQ(result["isDate"], true);
  EXPECT_EQ(result["remaining"], 3000);
}

TEST_F(determinism, NodeRandomnessFollowsTheSeed) {
  write("index.js", node_probe);
  const auto config = function("nodejs20.x", "index.handler");
  const json first = parsed(invoke(config, seeded(42)));
  const json again = parsed(invoke(config, seeded(42)));
  const json other = parsed(invoke(config, seeded(43)));
  ASSERT_TRUE(first.contains("uuid")) << first.dump();
  for (const char* key : {"random", "uuid", "esmUuid", "bytes", "web", "int", "values"}) {
    EXPECT_EQ(first[key], again[key]) << key;
    EXPECT_NE(first[key], other[key]) << key;
  }
  EXPECT_NE(first["uuid"], first["web"]);  // one stream, drawn from in turn
  EXPECT_EQ(first["uuid"].get<std::string>()[14], '4');
}

TEST_F(determinism, UnseededInvocationGetsRealRandomness) {
  write("index.js", node_probe);
  const auto config = function("nodejs20.x", "index.handler");
  const json first = parsed(invoke(config));
  const json second = parsed(invoke(config));
  EXPECT_NE(first["uuid"], second["uuid"]);
  EXPECT_EQ(first["now"], second["now"]);  // the clock is still the service clock
}

TEST_F(determinism, LogsAreByteStable) {
  write("index.js",
        "exports.handler = async () => { console.log('at', Date.now(), Math.random()); return 1; };\n");
  const auto config = function("nodejs20.x", "index.handler");
  const auto first = invoke(config, seeded(5, "same-id"));
  host_.reset();
  const auto second = invoke(config, seeded(5, "same-id"));
  ASSERT_EQ(first.kind, lambda::outcome_kind::success) << describe(first);
  EXPECT_EQ(first.log, second.log);
  EXPECT_NE(first.log.find("2023-11-14T22:13:20.123Z\tsame-id\tINFO\tat 1700000000123 0."), std::string::npos)
      << first.log;
  EXPECT_NE(
      first.log.find("REPORT RequestId: same-id\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 "
                     "MB\tMax Memory Used: 0 MB\tInit Duration: 0.00 ms\t\n"),
      std::string::npos)
      << first.log;
  EXPECT_EQ(first.duration.count(), 0);
  EXPECT_EQ(first.init_duration, std::chrono::microseconds{0});
}

constexpr const char* python_probe = R"py(
import datetime, random, time, uuid, logging
from datetime import date, datetime as dt
AT_LOAD = time.time()
def handler(event, context):
    time.sleep(0.02)
    logging.warning("logged")
    return {
        "at_load": AT_LOAD, "time": time.time(), "time_ns": time.time_ns(), "now": dt.now().isoformat(),
        "utcnow": datetime.datetime.utcnow().isoformat(), "today": date.today().isoformat(),
        "aware": dt.now(datetime.timezone.utc).isoformat(), "is_datetime": isinstance(dt.now(), datetime.datetime),
        "strftime": time.strftime("%Y-%m-%d %H:%M:%S"), "remaining": context.get_remaining_time_in_millis(),
        "random": [random.random(), random.randint(0, 10**9)], "uuid": str(uuid.uuid4()),
        "repr": repr(dt(2020, 1, 2)),
    }
)py";

TEST_F(determinism, PythonHandlerSeesTheServiceClockAndSeededRandomness) {
  write("app.py", python_probe);
  const auto config = function("python3.11", "app.handler");
  const auto outcome = invoke(config, seeded(7, "a"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  const json result = parsed(outcome);
  EXPECT_EQ(result["at_load"], 1'700'000'000.123);
  EXPECT_EQ(result["time"], 1'700'000'000.123);
  EXPECT_EQ(result["time_ns"], 1'700'000'000'123'000'000);
  EXPECT_EQ(result["now"], "2023-11-14T22:13:20.123000");  // TZ is UTC, as in Lambda
  EXPECT_EQ(result["utcnow"], "2023-11-14T22:13:20.123000");
  EXPECT_EQ(result["aware"], "2023-11-14T22:13:20.123000+00:00");
  EXPECT_EQ(result["today"], "2023-11-14");
  EXPECT_EQ(result["is_datetime"], true);
  EXPECT_EQ(result["strftime"], "2023-11-14 22:13:20");
  EXPECT_EQ(result["remaining"], 3000);
  EXPECT_EQ(result["repr"], "datetime.datetime(2020, 1, 2, 0, 0)");
  // The service second; the milliseconds as logging computes them from a float (.122 or .123).
  EXPECT_NE(outcome.log.find("[WARNING]\t2023-11-14T22:13:20.12"), std::string::npos) << outcome.log;

  const json again = parsed(invoke(config, seeded(7, "b")));
  const json other = parsed(invoke(config, seeded(8, "c")));
  EXPECT_EQ(result["random"], again["random"]);
  EXPECT_EQ(result["uuid"], again["uuid"]);
  EXPECT_NE(result["random"], other["random"]);
  EXPECT_NE(result["uuid"], other["uuid"]);
}

class seeded_real_clock : public worker_test {};

TEST_F(seeded_real_clock, SeedPinsRandomnessButNotTheClock) {
  write("index.js",
        "exports.handler = async () => ({ uuid: require('crypto').randomUUID(), now: Date.now() });\n");
  const auto config = function("nodejs20.x", "index.handler");
  auto first_call = call();
  first_call.random_seed = 9;
  auto second_call = call();
  second_call.random_seed = 9;
  const json first = parsed(invoke(config, first_call));
  const json second = parsed(invoke(config, second_call));
  EXPECT_EQ(first["uuid"], second["uuid"]);
  EXPECT_GT(first["now"].get<std::int64_t>(), 1'700'000'000'123);  // the wall clock
}

}  // namespace
}  // namespace fogbank::workers::testing
