-- PutItem overwriting a random seeded key with a fresh payload, so the table keeps its
-- size and the other runs see the same data set; a 200 answer is "{}".
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")
local headers = c.headers("PutItem")
local n = 0

request = function()
  n = n + 1
  local p, s = math.random(0, c.partitions - 1), c.random_sk()
  local body = string.format(
    '{"TableName":"%s","Item":{"pk":{"S":"%s"},"sk":{"N":"%d"},"name":{"S":"name-%d-%d"},'
      .. '"score":{"N":"%d"},"active":{"BOOL":%s},"payload":{"S":"%032x%032x"}}}',
    c.table, c.pk(p), s, p, s, math.random(0, 100000), (n % 2 == 0) and "true" or "false",
    math.random(0, 0x7fffffff), n)
  return wrk.format("POST", "/", headers, body)
end

c.install(_G, nil)
