-- Shared by the wrk scripts of bench/http_vs_dynalite.sh (loaded with dofile by each of
-- them; see the path trick at their top).
--
-- Every script: POSTs DynamoDB JSON 1.0 requests to "/", counts responses whose status is
-- not 200 (and, per script, 200s whose body is not what was asked for), and at the end
-- prints one machine-readable line the driver parses:
--   FOGBANK_BENCH requests=N seconds=S rps=R p50_ms=A p99_ms=B non200=N bad=N socket_errors=N
--                 connect_errors=N read_errors=N write_errors=N timeouts=N
--
-- The seed data (made by the driver, same for every server) is
--   pk = "user#0000" .. "user#" .. (PARTITIONS-1), sk = 0 .. (ITEMS_PER_PARTITION-1)
-- and the scripts draw keys from that range with a per-thread random generator.
-- BODY_CHECK=0 in the environment turns the body checks off and counts statuses only (the
-- driver does so for the baseline, which answers one fixed body to every request).

local M = {}

M.partitions = tonumber(os.getenv("PARTITIONS") or "100")
M.items_per_partition = tonumber(os.getenv("ITEMS_PER_PARTITION") or "10")
M.table = os.getenv("TABLE") or "bench"

function M.headers(op)
  return {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "DynamoDB_20120810." .. op,
    ["X-Amz-Date"] = "20240101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
      .. "SignedHeaders=host, Signature=x",
  }
end

function M.pk(i) return string.format("user#%04d", i) end
function M.random_pk() return M.pk(math.random(0, M.partitions - 1)) end
function M.random_sk() return math.random(0, M.items_per_partition - 1) end

-- Installs wrk's setup/init/response/done callbacks in the global table `env`.
-- `check(body)` returns true when a 200 answer's body is as expected (nil: no check).
function M.install(env, check)
  if os.getenv("BODY_CHECK") == "0" then check = nil end
  local threads = {}
  local counter = 1

  env.setup = function(thread)
    thread:set("thread_id", counter)
    counter = counter + 1
    table.insert(threads, thread)
  end

  env.init = function(args)
    non200 = 0
    bad = 0
    first_error = ""
    -- A different stream per thread and per run, reproducible enough for a benchmark.
    math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  end

  env.response = function(status, headers, body)
    if status ~= 200 then
      non200 = non200 + 1
      if first_error == "" then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 160) end
    elseif check and not check(body) then
      bad = bad + 1
      if first_error == "" then first_error = "200 " .. string.sub(body or "", 1, 160) end
    end
  end

  env.done = function(summary, latency, requests)
    local n200, nbad, ferr = 0, 0, ""
    for _, t in ipairs(threads) do
      n200 = n200 + (t:get("non200") or 0)
      nbad = nbad + (t:get("bad") or 0)
      local e = t:get("first_error") or ""
      if ferr == "" and e ~= "" then ferr = e end
    end
    local e = summary.errors
    local socket_errors = e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
      "FOGBANK_BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non200=%d bad=%d socket_errors=%d"
        .. " connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, n200, nbad, socket_errors,
      e.connect, e.read, e.write, e.timeout))
    if ferr ~= "" then
      io.write("FOGBANK_BENCH_FIRST_ERROR " .. string.gsub(ferr, "[\r\n]", " ") .. "\n")
    end
  end
end

return M
