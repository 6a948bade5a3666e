-- Shared by the SQS wrk scripts of bench/sqs_http.sh (loaded with dofile, like common.lua).
--
-- PROTOCOL=query|json picks the wire protocol:
--   query: form POST to "/" (Action=...&Version=2012-11-05&QueueUrl=...), XML answers;
--   json:  POST to "/" with X-Amz-Target: AmazonSQS.<Op>, Content-Type application/x-amz-json-1.0.
-- QUEUE_URL is the queue every request addresses.
--
-- Every script counts answers whose status is not 200 and 200s whose body is not what was asked
-- for, and at the end prints one line the driver parses:
--   FOGBANK_BENCH requests=N seconds=S rps=R p50_ms=A p99_ms=B non200=N bad=N socket_errors=N
--                 messages=N mps=M received=N
-- messages: messages the run sent (or, for sqs_receive_delete.lua, deleted), counted from the
-- answers; mps: messages per second; received: messages received (sqs_receive_delete.lua only).
--
-- Format requests inside `request`, not when the script loads: wrk.format takes the Host header
-- from wrk.headers, which wrk fills in only after loading the script.

local M = {}

M.protocol = os.getenv("PROTOCOL") or "json"
M.queue_url = os.getenv("QUEUE_URL") or error("QUEUE_URL is not set")
if M.protocol ~= "json" and M.protocol ~= "query" then error("PROTOCOL must be json or query") end

local json_headers = {}
local function headers_for(op)
  if not json_headers[op] then
    json_headers[op] = {
      ["Content-Type"] = "application/x-amz-json-1.0",
      ["X-Amz-Target"] = "AmazonSQS." .. op,
      ["X-Amz-Date"] = "20240101T000000Z",
      ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, "
        .. "SignedHeaders=host, Signature=x",
    }
  end
  return json_headers[op]
end
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" }

function M.urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(ch) return string.format("%%%02X", string.byte(ch)) end))
end

local encoded_url = M.urlencode(M.queue_url)

-- M.request(op, json_body, form_params): a wrk request for `op` in the chosen protocol.
-- json_body is the JSON body without QueueUrl's member (added here); form_params the query
-- protocol's parameters after QueueUrl, already encoded ("" for none).
function M.request(op, json_members, form_params)
  if M.protocol == "json" then
    local body = '{"QueueUrl":"' .. M.queue_url .. '"' .. (json_members ~= "" and ("," .. json_members) or "") .. "}"
    return wrk.format("POST", "/", headers_for(op), body)
  end
  local body = "Action=" .. op .. "&Version=2012-11-05&QueueUrl=" .. encoded_url
    .. (form_params ~= "" and ("&" .. form_params) or "")
  return wrk.format("POST", "/", form_headers, body)
end

-- Installs wrk's setup/init/response/done callbacks in `env`. `on_ok(body)` handles a 200 answer
-- and returns false when its body is not what was asked for; it adds to the thread's `messages`.
-- BODY_CHECK=0 in the environment counts statuses only (the Beast baseline answers one fixed
-- body to everything), as common.lua's scripts do.
function M.install(env, on_ok)
  if os.getenv("BODY_CHECK") == "0" then on_ok = function() return true end end
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
    messages = 0
    received = 0
    first_error = ""
    math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
    if env.thread_init then env.thread_init() end
  end

  env.response = function(status, headers, body)
    if status ~= 200 then
      non200 = non200 + 1
      if first_error == "" then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
    elseif not on_ok(body or "") then
      bad = bad + 1
      if first_error == "" then first_error = "200 " .. string.sub(body or "", 1, 200) end
    end
  end

  env.done = function(summary, latency, requests)
    local n200, nbad, nmsg, nrecv, ferr = 0, 0, 0, 0, ""
    for _, t in ipairs(threads) do
      n200 = n200 + (t:get("non200") or 0)
      nbad = nbad + (t:get("bad") or 0)
      nmsg = nmsg + (t:get("messages") or 0)
      nrecv = nrecv + (t:get("received") or 0)
      local e = t:get("first_error") or ""
      if ferr == "" and e ~= "" then ferr = e end
    end
    local e = summary.errors
    local socket_errors = e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
      "FOGBANK_BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non200=%d bad=%d socket_errors=%d"
        .. " messages=%d mps=%.1f received=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, n200, nbad, socket_errors,
      nmsg, nmsg / seconds, nrecv))
    if ferr ~= "" then
      io.write("FOGBANK_BENCH_FIRST_ERROR " .. string.gsub(ferr, "[\r\n]", " ") .. "\n")
    end
  end
end

-- Counts occurrences of a plain string.
function M.count(body, needle)
  local n, from = 0, 1
  while true do
    local i = string.find(body, needle, from, true)
    if not i then return n end
    n = n + 1
    from = i + #needle
  end
end

return M
