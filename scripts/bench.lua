-- wrk script for scripts/bench, case 1: the request bbperm sends for one row
-- (PUT a group permission on a repository), with a new repository per request
-- so that the fake server's state grows the way it does under bbperm.
--
--   BITBUCKET_EMAIL, BITBUCKET_API_TOKEN   Basic credentials (required)
--   BENCH_WORKSPACE (acme), BENCH_GROUP (developers), BENCH_PREFIX (bulk-w)
--
-- Every wrk thread has its own Lua state, so each one gets a number in
-- setup() and names its repositories <prefix><thread>-<counter>: no two
-- requests of a run touch the same permission.

local function base64(s)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = alphabet:sub(c1 + 1, c1 + 1) .. alphabet:sub(c2 + 1, c2 + 1)
      .. (b and alphabet:sub(c3 + 1, c3 + 1) or "=")
      .. (c and alphabet:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local email = os.getenv("BITBUCKET_EMAIL")
local token = os.getenv("BITBUCKET_API_TOKEN")
if not email or not token then
  io.stderr:write("bench.lua: BITBUCKET_EMAIL and BITBUCKET_API_TOKEN must be set\n")
  os.exit(2)
end
local workspace = os.getenv("BENCH_WORKSPACE") or "acme"
local group = os.getenv("BENCH_GROUP") or "developers"
local prefix = os.getenv("BENCH_PREFIX") or "bulk-w"

local headers = {
  ["Authorization"] = "Basic " .. base64(email .. ":" .. token),
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json",
}
local body = '{"permission":"write"}'

-- setup() runs in the main Lua state once per thread, before they start.
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

local counter = 0
function request()
  counter = counter + 1
  local path = "/repositories/" .. workspace .. "/" .. prefix .. tid .. "-" .. counter
    .. "/permissions-config/groups/" .. group
  return wrk.format("PUT", path, headers, body)
end

-- No response() callback: wrk then skips handing every reply to Lua, which
-- keeps it the fastest client we can compare with. It still counts non-2xx
-- replies, and scripts/bench checks the server's own counters.
