-- Query of one random partition, a window of up to 5 sort keys (BETWEEN); a 200 without
-- "Items" counts as bad.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")
local headers = c.headers("Query")

request = function()
  local lo = math.random(0, math.max(0, c.items_per_partition - 5))
  local body = string.format(
    '{"TableName":"%s","KeyConditionExpression":"pk = :p AND sk BETWEEN :lo AND :hi",'
      .. '"ExpressionAttributeValues":{":p":{"S":"%s"},":lo":{"N":"%d"},":hi":{"N":"%d"}}}',
    c.table, c.random_pk(), lo, lo + 4)
  return wrk.format("POST", "/", headers, body)
end

c.install(_G, function(body) return string.find(body, '"Items"', 1, true) ~= nil end)
