-- wrk script: POST /api/v1/declarations with a unique alias and statement on every request,
-- so the duplicate and near-identical-text checks never hold one back.
-- Arguments (after --): the date to declare, and "single" (one person per body, the default)
-- or "mixed" (families of 1 to 4, 1.6 people a body on average: 60% one, 25% two, 10% three,
-- 5% four).
-- thread_id is a global that setup() gives each thread's own Lua state (a local would hide it).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  today = args[1]
  mixed = args[2] == "mixed"
  math.randomseed(os.time() + thread_id * 7919)
  prefix = string.format("bench%d-%d", thread_id, math.random(1, 1000000000))
end

local function person()
  counter = counter + 1
  return string.format(
    '{"name":"%s-%d","organisations":["league","pioneers"],' ..
    '"statement":"load test statement %s number %d","region":"CN-GD"}',
    prefix, counter, prefix, counter)
end

local function family_size()
  if not mixed then return 1 end
  local r = math.random(1, 20)
  if r <= 12 then return 1 elseif r <= 17 then return 2 elseif r <= 19 then return 3 end
  return 4
end

function request()
  local people = {}
  for i = 1, family_size() do people[i] = person() end
  local body = string.format('{"people":[%s],"date":"%s"}', table.concat(people, ","), today)
  return wrk.format("POST", "/api/v1/declarations",
    {["Content-Type"] = "application/json"}, body)
end
