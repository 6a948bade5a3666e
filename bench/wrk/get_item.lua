-- GetItem of a random seeded key; a 200 without "Item" counts as bad (the key must exist).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")
local headers = c.headers("GetItem")

request = function()
  local body = string.format('{"TableName":"%s","Key":{"pk":{"S":"%s"},"sk":{"N":"%d"}}}',
    c.table, c.random_pk(), c.random_sk())
  return wrk.format("POST", "/", headers, body)
end

c.install(_G, function(body) return string.find(body, '"Item"', 1, true) ~= nil end)
