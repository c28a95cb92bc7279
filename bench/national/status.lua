-- For bench.py: counts the answers of a wrk run by status and keeps the first answer that is not
-- 2xx (status and the start of its body), printed after wrk's own summary. Nothing is hidden:
-- bench.py reports every non-2xx answer these lines show.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  sample = ""
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and sample == "" then
    sample = status .. " " .. string.sub(body or "", 1, 300)
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
