-- Query of one random partition, a window of QUERY_ITEMS sort keys (BETWEEN; 5 unless the
-- environment says otherwise, at most the partition's); a 200 without "Items" and the Count of
-- that window counts as bad.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")
local headers = c.headers("Query")
local window = math.min(tonumber(os.getenv("QUERY_ITEMS") or "5"), c.items_per_partition)
local count = '"Count":' .. window .. '[,}]' -- a Lua pattern: the number, whole

request = function()
  local lo = math.random(0, math.max(0, c.items_per_partition - window))
  local body = string.format(
    '{"TableName":"%s","KeyConditionExpression":"pk = :p AND sk BETWEEN :lo AND :hi",'
      .. '"ExpressionAttributeValues":{":p":{"S":"%s"},":lo":{"N":"%d"},":hi":{"N":"%d"}}}',
    c.table, c.random_pk(), lo, lo + window - 1)
  return wrk.format("POST", "/", headers, body)
end

c.install(_G, function(body)
  return string.find(body, '"Items"', 1, true) ~= nil and string.find(body, count) ~= nil
end)
