-- One wrk script for the three jobs, chosen by environment variables:
--   BENCH_JOB=get      GET /                            (fixed small response)
--   BENCH_JOB=post     POST / with a 1 KiB body
--   BENCH_JOB=webhook  POST BENCH_PATH with the signed deliveries in
--                      BENCH_DELIVERIES (lines "<ts>\t<sig>\t<body>", see
--                      gen_deliveries.py), cycled; each thread starts at a
--                      different offset.
-- done() prints one parseable line:
--   RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N max_us=N
--          status_err=N connect_err=N read_err=N write_err=N timeout_err=N
-- (status_err counts responses with a status > 399.)
--
-- get and post define no request() function, so wrk keeps its static request
-- buffer and spends no Lua time per request (which matters for nginx, the
-- ceiling). No response() function either: wrk would then parse every
-- response for Lua.

local job = os.getenv("BENCH_JOB") or "get"

if job == "get" then
  wrk.method = "GET"
  wrk.path = "/"
elseif job == "post" then
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.body = string.rep("a", 1024)
elseif job == "webhook" then
  local path = os.getenv("BENCH_PATH") or "/webhooks/vendo"
  local deliveries = {}
  local cursor, first, last = 0, 1, 0
  local thread_count = 0

  function setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
  end

  function init(args)
    local name = assert(os.getenv("BENCH_DELIVERIES"), "BENCH_DELIVERIES unset")
    local file = assert(io.open(name))
    for line in file:lines() do
      local ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
      deliveries[#deliveries + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Vendo-Timestamp"] = ts,
        ["Vendo-Signature"] = sig,
      }, body)
    end
    file:close()
    assert(#deliveries > 0, "no deliveries in " .. name)
    -- Each thread cycles through its own share of the list, so no id is ever
    -- in flight on two threads, and an id comes back only after a whole
    -- share from every thread (more than the receiver's dedupe window holds
    -- with the default 50,000 deliveries: each delivery is new to it).
    -- BENCH_THREADS must equal wrk's -t (run.sh sets it): with more threads
    -- than shares, two threads would send the same ids.
    local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
    assert((thread_index or 0) < threads,
      "BENCH_THREADS (" .. threads .. ") is less than wrk's thread count: set it to -t")
    local share = math.floor(#deliveries / threads)
    if share < 1 then share = #deliveries end
    first = ((thread_index or 0) * share) % #deliveries + 1
    last = math.min(first + share - 1, #deliveries)
    cursor = first - 1
  end

  function request()
    cursor = cursor + 1
    if cursor > last then cursor = first end
    return deliveries[cursor]
  end
else
  error("unknown BENCH_JOB " .. job)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "status_err=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
