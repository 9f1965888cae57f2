-- wrk script: POST /api/v1/declarations with a unique alias and statement on every request,
-- so the duplicate and near-identical-text checks never hold one back.
-- thread_id is a global that setup() gives each thread's own Lua state (a local would hide it).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  today = args[1]
  math.randomseed(os.time() + thread_id * 7919)
  prefix = string.format("bench%d-%d", thread_id, math.random(1, 1000000000))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"people":[{"name":"%s-%d","organisations":["league","pioneers"],' ..
    '"statement":"load test statement %s number %d","region":"CN-GD"}],"date":"%s"}',
    prefix, counter, prefix, counter, today)
  return wrk.format("POST", "/api/v1/declarations",
    {["Content-Type"] = "application/json"}, body)
end
