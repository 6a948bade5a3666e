-- Scan of the whole table SCAN_TABLE (default "scan") with no Limit: the server stops the page at
-- 1 MB of items, as DynamoDB does, and answers with LastEvaluatedKey. Every request asks for the
-- first page (no ExclusiveStartKey), so every answer is the same full page.
--
-- The driver seeds SCAN_TABLE with a few MB of ~1 KB items, probes the first page once with curl
-- and passes its Count as SCAN_COUNT (per server: DynamoDB's page rule counts item sizes, and
-- dynalite's count of them is not byte for byte fogbank's). A 200 counts as bad unless it has
-- "Items", a "LastEvaluatedKey", "Count" equal to SCAN_COUNT (when set) and at least
-- SCAN_MIN_BYTES bytes of body.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")
local scan_table = os.getenv("SCAN_TABLE") or "scan"
local want_count = tonumber(os.getenv("SCAN_COUNT") or "")
local min_bytes = tonumber(os.getenv("SCAN_MIN_BYTES") or "0")
local req = nil

-- Formatted on first use, not at load: wrk.format adds the Host header from wrk.host, which is
-- set only after the script is loaded (dynalite, like any HTTP/1.1 server may, answers 400 to a
-- request without Host).
request = function()
  req = req or wrk.format("POST", "/", c.headers("Scan"), string.format('{"TableName":"%s"}', scan_table))
  return req
end

c.install(_G, function(body)
  if #body < min_bytes then return false end
  -- Plain finds (memchr-fast on a 1 MB body); '"Count":' cannot match inside "ScannedCount".
  if not string.find(body, '"Items":[', 1, true) then return false end
  if not string.find(body, '"LastEvaluatedKey":', 1, true) then return false end
  local at = string.find(body, '"Count":', 1, true)
  if not at then return false end
  local count = tonumber(string.match(body, "^(%d+)", at + 8))
  return count ~= nil and (want_count == nil or count == want_count)
end)
