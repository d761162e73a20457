// The Lua scripts that make each change to an AOR one atomic step on the Redis server. They
// mirror `applyChanges` of @sipkit/registrar line by line; test/model.test.ts holds them to it.
//
// Layout: one hash per AOR, field = binding key, value = the binding as JSON written by the
// client. The scripts decode a binding only to read key, callId, cseq and expires, and never
// re-encode one, so every field comes back exactly as it was written.

/**
 * KEYS[1]: the AOR's hash. ARGV[1]: now (ms); ARGV[2]: maxBindings; then pairs of op (`+` write,
 * `-` remove) and binding JSON. Returns `{status, json...}`: `ok` and the bindings after the
 * update, or `out-of-order` / `too-many` and the unexpired bindings before it (nothing written).
 */
export const UPDATE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local stored = redis.call('HGETALL', key)
local existing = {}
local nextB = {}
local liveCount = 0
local liveJson = {}
for i = 1, #stored, 2 do
  local field, json = stored[i], stored[i + 1]
  existing[field] = json
  local b = cjson.decode(json)
  -- Expired bindings are dropped first.
  if b.expires > now then
    nextB[field] = { json = json, callId = b.callId, cseq = b.cseq, expires = b.expires }
    liveCount = liveCount + 1
    liveJson[#liveJson + 1] = json
  end
end
local function refuse(reason)
  local reply = { reason }
  for _, json in ipairs(liveJson) do reply[#reply + 1] = json end
  return reply
end
for i = 3, #ARGV, 2 do
  local op, json = ARGV[i], ARGV[i + 1]
  local b = cjson.decode(json)
  local old = nextB[b.key]
  local retransmission = false
  if old ~= nil and old.callId == b.callId then
    -- RFC 3261 §10.3 step 7: with the same Call-ID, only a higher CSeq may change the binding.
    if b.cseq == old.cseq then
      retransmission = true
    elseif b.cseq < old.cseq then
      return refuse('out-of-order')
    end
  end
  if not retransmission then
    if op == '-' then
      nextB[b.key] = nil
    else
      nextB[b.key] = { json = json, callId = b.callId, cseq = b.cseq, expires = b.expires }
    end
  end
end
local count = 0
local latest = nil
local reply = { 'ok' }
for _, v in pairs(nextB) do
  count = count + 1
  reply[#reply + 1] = v.json
  if latest == nil or v.expires > latest then latest = v.expires end
end
if count > max and count > liveCount then return refuse('too-many') end
for field, _ in pairs(existing) do
  if nextB[field] == nil then redis.call('HDEL', key, field) end
end
for field, v in pairs(nextB) do
  if existing[field] ~= v.json then redis.call('HSET', key, field, v.json) end
end
if count == 0 then
  redis.call('DEL', key)
else
  -- The key lives as long as its latest binding, counted from the caller's now.
  redis.call('PEXPIRE', key, math.ceil(latest - now))
end
return reply
`;

/**
 * KEYS[1]: the AOR's hash. ARGV[1]: now (ms); ARGV[2]: Call-ID; ARGV[3]: CSeq. Returns `{'ok'}`
 * after deleting the hash, or `{'out-of-order', json...}` with the unexpired bindings.
 */
export const REMOVE_ALL = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local callId = ARGV[2]
local cseq = tonumber(ARGV[3])
local reply = { 'out-of-order' }
local stale = false
for _, json in ipairs(redis.call('HVALS', key)) do
  local b = cjson.decode(json)
  if b.expires > now then
    reply[#reply + 1] = json
    -- RFC 3261 §10.3 step 6: '*' removes everything unless it is older than a binding of its call.
    if b.callId == callId and b.cseq >= cseq then stale = true end
  end
end
if stale then return reply end
redis.call('DEL', key)
return { 'ok' }
`;
