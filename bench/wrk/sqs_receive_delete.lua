-- ReceiveMessage(MaxNumberOfMessages=1) and DeleteMessage of the handle it got, alternately
-- (PROTOCOL=query|json, QUEUE_URL): one message consumed per two requests.
--
-- Run it with ONE CONNECTION PER WRK THREAD (wrk -tN -cN): wrk's Lua sees a thread, not a
-- connection, and a DeleteMessage answer ("{}" over JSON) looks like an empty receive, so the
-- script must know which request an answer belongs to; with one connection a thread's requests
-- and answers strictly alternate. The state moves only in `response`: `request` sends what the
-- last answer called for (wrk calls `request` once more than it sends, on the first thread, to
-- check the script). With more connections per thread the answers stop matching their
-- requests, and the checks below count them as bad.
--
-- Checks: a receive's 200 must carry a ReceiptHandle (an empty receive, the queue run dry,
-- counts as bad: the driver fills the queue deep enough), a delete's 200 must be the empty
-- answer. `received` counts messages received, `messages` messages deleted.
--
-- BODY_CHECK=0 (the Beast baseline, which answers one fixed body to everything): no checks, and
-- every receive is followed by a DeleteMessage of a made-up handle of HANDLE_LENGTH characters
-- (default 144; the driver passes the length of one of fogbank's handles for its queue), so the
-- ceiling reads the same sequence of requests of the same sizes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "sqs_common.lua")
local fake = os.getenv("BODY_CHECK") == "0"
local fake_handle = string.rep("A", tonumber(os.getenv("HANDLE_LENGTH") or "144"))
local json = c.protocol == "json"

local next_op = "receive"  -- what this thread's connection sends next
local handle = nil         -- with next_op "delete": the handle to delete
local receive_req = nil

request = function()
  if next_op == "delete" then
    return c.request("DeleteMessage", '"ReceiptHandle":"' .. handle .. '"', "ReceiptHandle=" .. c.urlencode(handle))
  end
  receive_req = receive_req or c.request("ReceiveMessage", '"MaxNumberOfMessages":1', "MaxNumberOfMessages=1")
  return receive_req
end

-- Checks a 200 answer to next_op (the request it answers).
local function check(body)
  if next_op == "receive" then
    local h
    if json then
      h = string.match(body, '"ReceiptHandle":"([^"]+)"')
    else
      h = string.match(body, "<ReceiptHandle>([^<]+)</ReceiptHandle>")
    end
    if not h then return false end  -- an empty receive
    received = received + 1
    handle = h
    return true
  end
  local ok
  if json then
    ok = body == "{}"
  else
    ok = string.find(body, "<DeleteMessageResponse", 1, true) ~= nil
  end
  if ok then messages = messages + 1 end
  return ok
end

c.install(_G, check)

-- c.install's response callback, wrapped to move to the next request after every answer: a
-- delete after a receive that got a handle (after any receive, with BODY_CHECK=0), a receive
-- after anything else.
local checked_response = response
response = function(status, headers, body)
  local was = next_op
  handle = nil
  checked_response(status, headers, body)
  if was == "receive" and fake and status == 200 then handle = fake_handle end
  next_op = (was == "receive" and handle) and "delete" or "receive"
end
