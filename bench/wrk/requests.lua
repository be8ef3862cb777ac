-- Round-robin over the requests listed in the Lua file named by $BENCH_REQUESTS (written by
-- bench/run.py: a list of {method=, path=, headers=, body=}), each thread from its own offset.
-- Counts every response that is not 2xx, and prints one machine-readable line when done:
--   BENCH_RESULT {"requests": ..., "non_2xx": ..., "p50_us": ..., ...}

local specs = dofile(os.getenv("BENCH_REQUESTS"))
local prepared = {}
local position = 0
local threads = {}

statuses = {}
non_2xx = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  for i, spec in ipairs(specs) do
    prepared[i] = wrk.format(spec.method, spec.path, spec.headers, spec.body)
  end
  position = ((thread_number or 1) - 1) * math.floor(#prepared / 2)
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local bad, by_status = 0, {}
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non_2xx")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(by_status) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max, table.concat(parts, ", ")
  ))
end
