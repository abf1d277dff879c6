/**
 * Lua for the scripts that pass a list to one command (`ZADD key s1 m1 s2 m2 …`, `ZMSCORE key
 * id…`): `inChunks(cmd, key, list)` calls `cmd key` with the list 4,000 elements at a time (Lua's
 * `unpack` has a bound; 4,000 is even, so score/member pairs stay whole) and answers the replies
 * of a command that answers one value per element (ZMSCORE, HMGET) as one list, element i's at i.
 */
export const IN_CHUNKS_LUA = `local function inChunks(cmd, key, list)
  local all = {}
  for s = 1, #list, 4000 do
    local part = redis.call(cmd, key, unpack(list, s, math.min(s + 3999, #list)))
    if type(part) == 'table' then
      for j = 1, #part do all[s + j - 1] = part[j] end
    end
  end
  return all
end
`;
