-- One request shape per wrk run, set by bench/run.py through the environment: the bearer token, the
-- method, a path, an optional JSON body and Accept-Encoding; "{id}" and "{status}" in them are replaced
-- per request by a random id of BENCH_IDS (the user's live applications) and a random status id.
local token = os.getenv("BENCH_TOKEN")
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "0", "%d+") do
  table.insert(ids, id)
end
local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
if os.getenv("BENCH_ACCEPT_ENCODING") then
  headers["Accept-Encoding"] = os.getenv("BENCH_ACCEPT_ENCODING")
end

request = function()
  local id = ids[math.random(#ids)]
  local status = tostring(math.random(1, 5))
  local this_path = (path:gsub("{id}", id))
  local this_body = nil
  if body then
    this_body = (body:gsub("{id}", id):gsub("{status}", status))
  end
  return wrk.format(method, this_path, headers, this_body)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
