-- SendMessageBatch of 10 messages of 64 characters (PROTOCOL=query|json, QUEUE_URL): the
-- driver's way to fill a queue for sqs_receive_delete.lua, measured too. A 200 must report 10
-- successful entries and no failed one.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "sqs_common.lua")
local body = string.rep("m", 64)
local json_entries, form = {}, {}
for i = 1, 10 do
  table.insert(json_entries, string.format('{"Id":"m%d","MessageBody":"%s"}', i, body))
  table.insert(form, string.format("SendMessageBatchRequestEntry.%d.Id=m%d&SendMessageBatchRequestEntry.%d.MessageBody=%s",
    i, i, i, body))
end
local req = nil

request = function()
  req = req or c.request("SendMessageBatch", '"Entries":[' .. table.concat(json_entries, ",") .. "]",
    table.concat(form, "&"))
  return req
end

c.install(_G, function(b)
  local ok, failed
  if c.protocol == "json" then
    ok = c.count(b, '"MessageId"')
    failed = c.count(b, '"SenderFault"')
  else
    ok = c.count(b, "<SendMessageBatchResultEntry>")
    failed = c.count(b, "<BatchResultErrorEntry>")
  end
  messages = messages + ok
  return ok == 10 and failed == 0
end)
