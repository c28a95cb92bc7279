-- W4 for bench.py: run with as many wrk threads as connections, so that each thread is one
-- writer: an editor of its municipality (its own token) recording measurements of its own
-- targets for new dates, targets inner and dates outer, so every write is a distinct
-- (target, date) and the newest value of its target. Usage: wrk -tN -cN -s writes.lua URL -- CONFIG
-- where CONFIG is a Lua file returning {dates = {...}, writers = {{municipality=, token=, targets={...}}, ...}}.
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("writer", count)
  table.insert(threads, thread)
end

function init(args)
  local config = dofile(args[1])
  local w = config.writers[((writer - 1) % #config.writers) + 1]
  token, municipality, targets, dates = w.token, w.municipality, w.targets, config.dates
  i = 0
  statuses = {}
  sample = ""
end

function request()
  local target = targets[(i % #targets) + 1]
  local date = dates[(math.floor(i / #targets) % #dates) + 1]
  local body = '{"value":' .. (40 + (i % 17)) .. '}'
  local path = "/api/v1/municipalities/" .. municipality .. "/targets/" .. target .. "/measurements/" .. date
  i = i + 1
  -- One connection per thread: the next answer is this request's (for the sample below).
  last = "PUT " .. path .. " " .. body
  return wrk.format("PUT", path,
    {["authorization"] = "Bearer " .. token, ["content-type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and sample == "" then
    sample = status .. " " .. last .. " " .. string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do
      total[k] = (total[k] or 0) + v
    end
    local s = t:get("sample")
    if s ~= nil and s ~= "" then
      io.write("sample ", (string.gsub(s, "[\r\n]", " ")), "\n")
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("status %d %d\n", k, v))
  end
end
