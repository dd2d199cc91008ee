/**
 * The Lua scripts of the Redis conversation store. Each runs atomically in
 * Redis, so a turn's messages, the fencing check and the byte bounds are one
 * step: no instance ever sees (or leaves) half a turn.
 *
 * Keys (P = the prefix, M = JSON [owner, chatId], O = JSON owner):
 *   P chat:M     LIST of message JSON, oldest first
 *   P pending:M  the turn id whose question waits for its answer
 *   P owner:O    HASH M -> bytes the conversation holds (its messages + overhead)
 *   P recent:O   ZSET M by last use (ms), for evicting the owner's least recently used first
 *   P lock:M     HASH holder (turn id), token (grows per holder): the chat's turn lock
 *   P turn:ID    exists while turn ID is alive (renewed while it runs or waits)
 * Every key but the lock's has the conversation TTL, renewed on each use.
 */

/** Shared by both scripts: is a stored message a question? (the store writes `role` first). */
const COMMON = `
local function is_user(s) return string.sub(s, 1, 15) == '{"role":"user",' end
local function mark_interrupted(s) return string.sub(s, 1, -2) .. ',"interrupted":true}' end
`;

/**
 * KEYS: chat, pending, owner, recent, lock, turn
 * ARGV: prefix, M, now ms, ttl ms, max owner bytes, max messages, part, turn id, token, overhead, messages...
 * Returns the bytes the owner holds after the write, or an error starting TURN_LOST.
 */
export const APPEND_SCRIPT = `${COMMON}
local chat, pending, owner, recent, lock, turn = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local prefix, member, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local max_owner, max_messages, part, turn_id, token, overhead = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10])
if token ~= '' then
  if redis.call('HGET', lock, 'holder') ~= turn_id or redis.call('HGET', lock, 'token') ~= token or redis.call('EXISTS', turn) == 0 then
    return redis.error_reply('TURN_LOST this turn no longer holds its chat')
  end
end

local first = 11
local exists = redis.call('EXISTS', chat) == 1
if not exists then
  -- The start of this turn was cut (the conversation went over a bound): what follows it goes too.
  while first <= #ARGV and not is_user(ARGV[first]) do first = first + 1 end
end
local added = 0
if exists and part == 'question' and redis.call('EXISTS', pending) == 1 then
  -- The turn before died between its question and its answer: its question, the last message, stays marked.
  local last = redis.call('LINDEX', chat, -1)
  if last and is_user(last) and not string.find(last, '"interrupted":true}', -20, true) then
    local marked = mark_interrupted(last)
    redis.call('LSET', chat, -1, marked)
    added = added + #marked - #last
  end
end
if part == 'answer' then redis.call('DEL', pending) end
if first > #ARGV then
  return 0
end
if part == 'question' then
  if turn_id ~= '' then redis.call('SET', pending, turn_id) else redis.call('DEL', pending) end
end
if not exists then added = added + overhead end
for i = first, #ARGV do
  redis.call('RPUSH', chat, ARGV[i])
  added = added + #ARGV[i]
end
redis.call('HINCRBY', owner, member, added)
redis.call('ZADD', recent, now, member)

-- Removes the oldest turn of a conversation; false when it has one turn only (the caller drops it whole).
local function cut_oldest_turn(key, m)
  local items = redis.call('LRANGE', key, 0, -1)
  local next_question = nil
  for i = 2, #items do
    if is_user(items[i]) then next_question = i; break end
  end
  if not next_question then return false end
  local removed = 0
  for i = 1, next_question - 1 do removed = removed + #items[i] end
  redis.call('LTRIM', key, next_question - 1, -1)
  redis.call('HINCRBY', owner, m, -removed)
  return true
end
local function drop(m)
  redis.call('DEL', prefix .. 'chat:' .. m, prefix .. 'pending:' .. m)
  redis.call('HDEL', owner, m)
  redis.call('ZREM', recent, m)
end

while redis.call('LLEN', chat) > max_messages do
  if not cut_oldest_turn(chat, member) then drop(member); break end
end

local function total()
  local sum = 0
  for _, v in ipairs(redis.call('HVALS', owner)) do sum = sum + tonumber(v) end
  return sum
end
local bytes = total()
if bytes > max_owner then
  -- Over the owner's bound: conversations that expired are forgotten, then the least recently used go, then this one's oldest turns.
  local others = redis.call('ZRANGE', recent, 0, -1)
  for _, m in ipairs(others) do
    if m ~= member and redis.call('EXISTS', prefix .. 'chat:' .. m) == 0 then drop(m) end
  end
  bytes = total()
  for _, m in ipairs(others) do
    if bytes <= max_owner then break end
    if m ~= member and redis.call('EXISTS', prefix .. 'chat:' .. m) == 1 then
      drop(m)
      bytes = total()
    end
  end
  while bytes > max_owner do
    if not cut_oldest_turn(chat, member) then drop(member); break end
    bytes = total()
  end
end
for _, key in ipairs({chat, pending, owner, recent}) do redis.call('PEXPIRE', key, ttl) end
return bytes
`;

/**
 * KEYS: chat, pending, owner, recent
 * ARGV: prefix, M, now ms, ttl ms
 * Returns the messages, the last one marked interrupted when its turn died before answering.
 */
export const LOAD_SCRIPT = `${COMMON}
local chat, pending, owner, recent = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, member, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local items = redis.call('LRANGE', chat, 0, -1)
if #items == 0 then return items end
local turn_id = redis.call('GET', pending)
if turn_id and redis.call('EXISTS', prefix .. 'turn:' .. turn_id) == 0 and is_user(items[#items]) then
  if not string.find(items[#items], '"interrupted":true}', -20, true) then items[#items] = mark_interrupted(items[#items]) end
end
redis.call('ZADD', recent, now, member)
for _, key in ipairs({chat, pending, owner, recent}) do redis.call('PEXPIRE', key, ttl) end
return items
`;

/**
 * KEYS: owner, recent
 * ARGV: prefix, M ('' = every conversation of the owner)
 */
export const DELETE_SCRIPT = `
local owner, recent = KEYS[1], KEYS[2]
local prefix, member = ARGV[1], ARGV[2]
local members = {member}
if member == '' then members = redis.call('ZRANGE', recent, 0, -1) end
for _, m in ipairs(members) do
  redis.call('DEL', prefix .. 'chat:' .. m, prefix .. 'pending:' .. m)
  redis.call('HDEL', owner, m)
  redis.call('ZREM', recent, m)
end
return #members
`;
