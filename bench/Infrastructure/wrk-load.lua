-- The harness's closed-loop request for wrk. WrkLoad.cs writes this file next to its inputs and sets
-- the BENCH_* environment: the method, a path whose "{id}" is replaced by a random line of the ids
-- file, an optional body, an optional unique Idempotency-Key per request, and whether to collect the
-- "id" of every 2xx answer (for the durability check). done() writes what the harness reads back.

local function read_file(path)
  if path == nil or path == "" then
    return nil
  end
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local method = os.getenv("BENCH_METHOD") or "GET"
local path_template = os.getenv("BENCH_PATH") or "/"
local body = read_file(os.getenv("BENCH_BODY_FILE"))
local with_keys = os.getenv("BENCH_IDEMPOTENCY_KEYS") == "1"
local capture = os.getenv("BENCH_CAPTURE") == "1"
local nonce = os.getenv("BENCH_NONCE") or "0"

-- setup() and done() share one environment, apart from the threads': keep the threads to read their
-- tallies at the end.
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

-- Per wrk thread (each has its own Lua state). Globals, so that done() can read them with thread:get.
acked = {}
acked_count = 0
failures = 0
first_failure = ""
local ids = {}
local sent = 0
local headers = { ["Content-Type"] = "application/json", ["OpenAI-Beta"] = "assistants=v2" }

function init(args)
  local ids_file = os.getenv("BENCH_IDS_FILE")
  if ids_file ~= nil and ids_file ~= "" then
    for line in io.lines(ids_file) do
      if line ~= "" then
        ids[#ids + 1] = line
      end
    end
  end
  math.randomseed(os.time() * 1000 + (thread_index or 0))
  -- Without response(), wrk skips parsing answers: only collect when the scenario needs the ids.
  if not capture then
    response = nil
  end
end

function request()
  local path = path_template
  if #ids > 0 then
    path = (path_template:gsub("{id}", ids[math.random(#ids)], 1))
  end
  if with_keys then
    sent = sent + 1
    headers["Idempotency-Key"] = nonce .. "-" .. thread_index .. "-" .. sent
  end
  return wrk.format(method, path, headers, body)
end

function response(status, response_headers, response_body)
  if status >= 200 and status < 300 then
    local id = response_body:match('"id"%s*:%s*"([^"]+)"')
    if id ~= nil then
      acked_count = acked_count + 1
      acked[acked_count] = id
    end
  else
    failures = failures + 1
    if first_failure == "" then
      first_failure = status .. ": " .. response_body:sub(1, 300)
    end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_RESULT_FILE"), "w"))
  local e = summary.errors
  out:write("requests ", summary.requests, "\n")
  out:write("duration_us ", summary.duration, "\n")
  out:write("errors ", e.connect, " ", e.read, " ", e.write, " ", e.status, " ", e.timeout, "\n")
  out:write("mean_us ", latency.mean, "\n")
  -- 1,001 evenly spaced quantiles: the harness interpolates between them as between sorted samples.
  for i = 0, 1000 do
    out:write("quantile_us ", latency:percentile(i / 10), "\n")
  end
  -- wrk's own CPU (every thread), so the report can say what the load generator cost.
  out:write("stat ", read_file("/proc/self/stat"))
  local first = ""
  local captured = capture and assert(io.open(os.getenv("BENCH_CAPTURE_FILE"), "w")) or nil
  for _, thread in ipairs(threads) do
    if first == "" then
      first = thread:get("first_failure") or ""
    end
    if captured ~= nil then
      for _, id in ipairs(thread:get("acked")) do
        captured:write(id, "\n")
      end
    end
  end
  if captured ~= nil then
    captured:close()
  end
  out:write("first_failure ", (first:gsub("[\r\n]", " ")), "\n")
  out:close()
end
