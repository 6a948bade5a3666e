-- SendMessage of a 64-character body (PROTOCOL=query|json, QUEUE_URL); a 200 must carry a
-- MessageId.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "sqs_common.lua")
local body = string.rep("m", 64)
local req = nil

request = function()
  req = req or c.request("SendMessage", '"MessageBody":"' .. body .. '"', "MessageBody=" .. body)
  return req
end

c.install(_G, function(b)
  if string.find(b, c.protocol == "json" and '"MessageId"' or "<MessageId>", 1, true) then
    messages = messages + 1
    return true
  end
  return false
end)
