--[[
  CHAT-MSG/1 dissector for Wireshark / tshark (Lua, Wireshark 3.6 or newer).

  CHAT-MSG/1 is a line protocol over TCP: one UTF-8 PDU per line, ended by LF (a CR before the
  LF is dropped). There is no length header, so TCP reassembly works by looping over complete
  lines and asking for one more segment when a line is cut (desegment_offset/desegment_len).

  Install: copy this file into the personal Lua plugins folder (Help > About Wireshark >
  Folders > Personal Lua Plugins), or run `tshark -X lua_script:wireshark/chatmsg.lua ...`.
  The spec is docs/PROTOCOL.md; the tables between the GENERATED markers come from
  src/protocol/ (run `node wireshark/update-tables.mjs` after `npm run build` to refresh them).
]]

local chatmsg = Proto("chatmsg", "CHAT-MSG/1 chat protocol")

-- BEGIN GENERATED from src/protocol (wireshark/update-tables.mjs); do not edit by hand
local DEFAULT_PORT = 5151
local PROTOCOL_VERSION = "CHAT-MSG/1"
local ERROR_CODES = {
  [400] = "malformed",
  [401] = "not-logged-in",
  [403] = "forbidden",
  [404] = "not-found",
  [408] = "login-timeout",
  [409] = "conflict",
  [413] = "line-too-long",
  [429] = "rate-limited",
  [503] = "server-full",
  [420] = "auth-required",
  [421] = "auth-failed",
  [422] = "already-registered",
  [423] = "not-registered",
  [424] = "no-keys",
  [425] = "weak-key",
  [426] = "tls-required",
  [427] = "registration-limit",
  [507] = "storage-failed",
  [508] = "registry-full",
}
local REQUEST_VERBS = { "LOGIN", "MSG", "LOGOFF", "LIST", "PING", "HELP" }
local SERVER_VERBS = { "HELLO", "OK", "ERR", "MSG", "JOINED", "LEFT", "PONG", "BYE", "CHALLENGE", "EMSG" }
local EXTENSION_REQUEST_VERBS = { "REGISTER", "AUTH", "PROVE", "PREKEY", "KEYS", "EMSG" }
-- END GENERATED

local CLIENT_ID_MAX = 32
local INFO_TEXT_MAX = 60

--[[ The one table of fields: {key, type, label, value strings, rule}. Every field is chatmsg.<key>;
     rule "id" = must be a client-id ("id_or_all" = or ALL). The layouts below refer to fields by
     key, so a new verb only adds rows here and there. ]]
local FIELD_DEFS = {
  { "direction", "string", "Direction" },
  { "verb", "string", "Verb" },
  { "line", "string", "Line" },
  { "line_len", "uint32", "Line length (bytes incl. terminator)" },
  { "client_id", "string", "Client id", nil, "id" },
  { "target", "string", "Target", nil, "id_or_all" },
  { "from", "string", "From", nil, "id" },
  { "text", "string", "Text" },
  { "reply_to", "string", "Reply to verb" },
  { "code", "uint16", "Error code", ERROR_CODES },
  { "reason", "string", "Reason" },
  { "token", "string", "Token" },
  { "count", "uint32", "Count" },
  { "ids", "string", "Client id in list", nil, "id" },
  { "verbs", "string", "Verb in list" },
  { "version", "string", "Protocol version" },
  { "args", "string", "Arguments" },
  -- The secure extension (spec section 9): keys, proofs and ciphertext, base64 on the wire.
  { "key", "string", "Public key (base64)" },
  { "signature", "string", "Ed25519 signature (base64)" },
  { "nonce", "string", "Challenge nonce (base64)" },
  { "realm", "string", "Realm" },
  { "binding", "string", "Channel binding" },
  { "counter", "uint64", "Message counter" },
  { "payload", "string", "Payload: ephemeral key, ciphertext and tag (base64)" },
  { "ephemeral", "string", "Sender's ephemeral X25519 key of the session (hex)" },
  { "sealed_len", "uint32", "Ciphertext and tag length (bytes)" },
}

--[[ Number fields with a range of their own, as decimal text: compared as text, since a Lua number
     (a double on Wireshark 4.0's Lua 5.2) is exact only up to 2^53. Spec section 9: counter is
     1 .. 2^53-1 without leading zeros. ]]
local NUMBER_RANGES = {
  counter = { min = "1", max = "9007199254740991", range = "1 .. 2^53-1" },
}
local UINT64_MAX = "18446744073709551615"

-- Is decimal text a (both without leading zeros) larger than b?
local function decimal_above(a, b)
  return #a > #b or (#a == #b and a > b)
end

local F = {}
local FIELD_RULES = {}      -- key -> "id" / "id_or_all"
local NUMBER_FIELDS = {}    -- key -> its integer type ("uint16", "uint64" ...)
do
  local list = {}
  for _, def in ipairs(FIELD_DEFS) do
    local key, kind, label, strings, rule = def[1], def[2], def[3], def[4], def[5]
    local field
    if kind == "string" then
      field = ProtoField.string("chatmsg." .. key, label)
    else
      field = ProtoField[kind]("chatmsg." .. key, label, base.DEC, strings)
      NUMBER_FIELDS[key] = kind
    end
    F[key] = field
    FIELD_RULES[key] = rule
    list[#list + 1] = field
  end
  chatmsg.fields = list
end

local E = {
  malformed = ProtoExpert.new("chatmsg.malformed", "Malformed CHAT-MSG line",
    expert.group.MALFORMED, expert.severity.ERROR),
  unknown_verb = ProtoExpert.new("chatmsg.unknown_verb", "Verb not in the CHAT-MSG/1 spec",
    expert.group.UNDECODED, expert.severity.NOTE),
  error_reply = ProtoExpert.new("chatmsg.error_reply", "Server replied with an error",
    expert.group.RESPONSE_CODE, expert.severity.WARN),
  too_long = ProtoExpert.new("chatmsg.too_long", "Line without LF longer than the maximum line",
    expert.group.MALFORMED, expert.severity.ERROR),
}
chatmsg.experts = { E.malformed, E.unknown_verb, E.error_reply, E.too_long }

--[[ Layouts: what follows the verb, per direction. A word is one token; a name ending in "*"
     takes the rest of the line (must not be empty); "?" marks an optional part; "..." means
     zero or more tokens. An OK reply continues with OK_LAYOUTS of the verb it answers. ]]
local REQUEST_LAYOUTS = {
  LOGIN = { "client_id" },
  LOGOFF = { "client_id" },
  MSG = { "target", "text*" },
  LIST = {},
  HELP = {},
  PING = { "token*?" },
  REGISTER = { "client_id", "key" },
  AUTH = { "client_id" },
  PROVE = { "signature" },
  PREKEY = { "key", "signature" },
  KEYS = { "client_id" },
  EMSG = { "target", "counter", "payload" },
}
local RESPONSE_LAYOUTS = {
  HELLO = { "version", "text*" },
  OK = { "reply_to" },
  ERR = { "code", "reason*" },
  MSG = { "from", "target", "text*" },
  JOINED = { "client_id" },
  LEFT = { "client_id" },
  PONG = { "token*?" },
  BYE = { "text*?" },
  CHALLENGE = { "nonce", "realm", "binding" },
  EMSG = { "from", "target", "counter", "payload" },
}
local OK_LAYOUTS = {
  LOGIN = { "client_id" },
  LOGOFF = { "client_id" },
  MSG = { "target", "count?" },
  LIST = { "count", "ids..." },
  HELP = { "verbs..." },
  REGISTER = { "client_id" },
  AUTH = { "client_id" },
  EMSG = { "client_id" },
  PREKEY = {},
  KEYS = { "client_id", "key", "key", "signature" },
}

local KNOWN_VERBS = {}
for _, v in ipairs(REQUEST_VERBS) do KNOWN_VERBS[v] = "request" end
-- Extension verbs (the secure service) are known, so neither flagged nor missed by the heuristic.
local EXTENSION_VERBS = {}
for _, v in ipairs(EXTENSION_REQUEST_VERBS) do
  KNOWN_VERBS[v] = "request"
  EXTENSION_VERBS[v] = true
end
for _, v in ipairs(SERVER_VERBS) do
  KNOWN_VERBS[v] = KNOWN_VERBS[v] and "either" or "response"
end

chatmsg.prefs.port = Pref.uint("TCP port", DEFAULT_PORT, "TCP port of CHAT-MSG servers")
chatmsg.prefs.max_line = Pref.uint("Maximum line (bytes)", 4096,
  "A line without LF longer than this is reported instead of being reassembled further")
chatmsg.prefs.heuristic = Pref.bool("Detect CHAT-MSG on any TCP port", true,
  "Try the heuristic on TCP conversations on other ports")

local tcp_stream = Field.new("tcp.stream")

-- Server endpoint ("address:port") per TCP stream, learnt from the first PDU that tells it.
local servers = {}

function chatmsg.init()
  servers = {}
end

local registered_port = 0
local function register_port()
  local tcp_port = DissectorTable.get("tcp.port")
  if registered_port ~= 0 then tcp_port:remove(registered_port, chatmsg) end
  registered_port = chatmsg.prefs.port
  if registered_port ~= 0 then tcp_port:add(registered_port, chatmsg) end
end

function chatmsg.prefs_changed()
  if registered_port ~= chatmsg.prefs.port then register_port() end
end

-- The server's rules (strict UTF-8, no C0 control but TAB, no DEL, no C1) on a Lua byte string: nil or a reason.
local function utf8_problem(s)
  local i, n = 1, #s
  while i <= n do
    local b = s:byte(i)
    if (b < 0x20 and b ~= 0x09) or b == 0x7f then
      return string.format("control character 0x%02x at byte %d", b, i - 1)
    end
    local extra
    if b < 0x80 then extra = 0
    elseif b >= 0xc2 and b <= 0xdf then extra = 1
    elseif b >= 0xe0 and b <= 0xef then extra = 2
    elseif b >= 0xf0 and b <= 0xf4 then extra = 3
    else return "not valid UTF-8" end
    for k = 1, extra do
      local c = s:byte(i + k)
      -- The second byte after E0/ED/F0/F4 is narrower: no overlong forms, surrogates or > U+10FFFF.
      local low, high = 0x80, 0xbf
      if k == 1 then
        if b == 0xe0 then low = 0xa0 elseif b == 0xed then high = 0x9f
        elseif b == 0xf0 then low = 0x90 elseif b == 0xf4 then high = 0x8f end
      end
      if not c or c < low or c > high then return "not valid UTF-8" end
    end
    -- C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 (PROTOCOL.md section 2).
    if b == 0xc2 and s:byte(i + 1) <= 0x9f then
      return string.format("control character U+%04X at byte %d", s:byte(i + 1), i - 1)
    end
    i = i + extra + 1
  end
  return nil
end

local function is_client_id(s, allow_all)
  if #s < 1 or #s > CLIENT_ID_MAX or not s:match("^[A-Za-z0-9_.%-]+$") then return false end
  return allow_all or s:upper() ~= "ALL"
end

local function endpoint(address, port)
  return tostring(address) .. ":" .. tostring(port)
end

--[[ request or response. The port preference decides first; on other ports the server is
     learnt per stream: it sends HELLO and the server-only verbs, clients send the request-only ones. ]]
local function direction_of(pinfo, verb)
  local port = chatmsg.prefs.port
  if pinfo.dst_port == port then return "request" end
  if pinfo.src_port == port then return "response" end
  local stream = tcp_stream()
  local key = stream and stream.value or -1
  local src, dst = endpoint(pinfo.src, pinfo.src_port), endpoint(pinfo.dst, pinfo.dst_port)
  if not servers[key] then
    local side = KNOWN_VERBS[verb]
    if side == "response" then servers[key] = src
    elseif side == "request" then servers[key] = dst end
  end
  if servers[key] == src then return "response" end
  return "request"
end

-- Splits a line into tokens with their byte offsets (0-based, relative to the line).
local function tokens_of(line)
  local out = {}
  local pos = 1
  while pos <= #line do
    local space = line:find(" ", pos, true)
    local stop = space and space - 1 or #line
    out[#out + 1] = { text = line:sub(pos, stop), offset = pos - 1, rest = line:sub(pos), rest_offset = pos - 1 }
    if not space then break end
    pos = space + 1
    if pos > #line then out[#out + 1] = { text = "", offset = #line, rest = "", rest_offset = #line } end
  end
  return out
end

--[[ Adds the fields of one layout to the PDU tree, starting at token index `first`.
     Returns the next token index, or nil and a problem; more tokens are a problem unless open_ended. ]]
local function add_layout(pdu_tree, line_tvb, tokens, first, layout, open_ended)
  local index = first
  for _, part in ipairs(layout) do
    local name = part:match("^[%a_]+")
    local optional = part:find("?", 1, true) ~= nil
    local rest = part:find("*", 1, true) ~= nil
    local repeated = part:find("...", 1, true) ~= nil
    local token = tokens[index]
    if not token then
      if not (optional or repeated) then return nil, "missing " .. name end
    elseif rest then
      if token.rest ~= "" then
        pdu_tree:add(F[name], line_tvb(token.rest_offset, #token.rest), token.rest)
      elseif not optional then
        return nil, "empty " .. name
      end
      index = #tokens + 1
    else
      local last = repeated and #tokens or index
      for k = index, last do
        local t = tokens[k]
        if t.text == "" then return nil, "empty " .. name end
        local range = line_tvb(t.offset, #t.text)
        if NUMBER_FIELDS[name] then
          if not t.text:match("^%d+$") then return nil, name .. " is not a number: " .. t.text end
          local digits = t.text:gsub("^0+(%d)", "%1")
          local n
          if NUMBER_FIELDS[name] == "uint64" then
            -- From the text: UInt64.new(text) is exact on every version, tonumber() is not above 2^53.
            if decimal_above(digits, UINT64_MAX) then return nil, name .. " out of range: " .. t.text end
            n = UInt64.new(digits)
          else
            n = tonumber(digits)
          end
          pdu_tree:add(F[name], range, n)
          local bounds = NUMBER_RANGES[name]
          if bounds and (digits ~= t.text or decimal_above(digits, bounds.max) or decimal_above(bounds.min, digits)) then
            return nil, name .. " out of range (" .. bounds.range .. ", no leading zeros): " .. t.text
          end
        else
          local rule = FIELD_RULES[name]
          if rule and not is_client_id(t.text, rule == "id_or_all") then
            return nil, "invalid client-id " .. t.text
          end
          pdu_tree:add(F[name], range, t.text)
        end
      end
      index = last + 1
    end
  end
  if tokens[index] and not open_ended then return nil, "unexpected argument " .. tokens[index].text end
  return index
end

--[[ EMSG payload = base64(E (32 bytes) || ciphertext || 16-byte tag), spec section 9.4: shows E,
     which names the session (and the E2E key log line with its key), and the sealed length. A
     payload too short for both is left alone, as the server (which never reads it) leaves it. ]]
local EPHEMERAL_BYTES, TAG_BYTES = 32, 16
local function add_emsg_payload(pdu_tree, line_tvb, token)
  if not token then return end
  local bytes = ByteArray.new(token.text, true):base64_decode()
  if bytes:len() < EPHEMERAL_BYTES + TAG_BYTES then return end
  local range = line_tvb(token.offset, #token.text)
  pdu_tree:add(F.ephemeral, range, bytes:subset(0, EPHEMERAL_BYTES):tohex(true))
  pdu_tree:add(F.sealed_len, range, bytes:len() - EPHEMERAL_BYTES)
end

local function summary(line)
  if #line > INFO_TEXT_MAX then line = line:sub(1, INFO_TEXT_MAX) .. "..." end
  return (line:gsub("[%c]", "."))
end

--[[ Dissects one complete line (without its terminator) whose bytes are line_tvb; `framed` is
     the range of the line with its terminator. Returns the text for the Info column. ]]
local function escape_bytes(line)
  return (line:gsub("[^\t\32-\126]", function(c) return string.format("\\x%02x", c:byte()) end))
end

local function dissect_line(line_tvb, framed, pinfo, tree)
  local line = line_tvb:raw()
  local tokens = tokens_of(line)
  local raw_verb = tokens[1] and tokens[1].text or ""
  local verb = raw_verb:upper()
  local direction = direction_of(pinfo, verb)
  -- Every PDU carries direction, line and line_len, so their occurrences line up per PDU.
  local pdu_tree = tree:add(chatmsg, framed)
  pdu_tree:add(F.direction, direction)
  local problem = utf8_problem(line)
  if problem then
    pdu_tree:set_text("CHAT-MSG/1 " .. direction .. ": malformed line")
    pdu_tree:add(F.line, line_tvb(), escape_bytes(line))
    pdu_tree:add(F.line_len, framed, framed:len())
    pdu_tree:add_proto_expert_info(E.malformed, "Malformed CHAT-MSG line: " .. problem)
    return "[malformed: " .. problem .. "]"
  end
  pdu_tree:add(F.line, line_tvb(), line)
  pdu_tree:add(F.line_len, framed, framed:len())
  pdu_tree:set_text("CHAT-MSG/1 " .. direction .. ": " .. summary(line))
  if verb == "" or not verb:match("^[A-Z][A-Z0-9_-]*$") then
    pdu_tree:add_proto_expert_info(E.malformed, "Malformed CHAT-MSG line: no verb")
    return "[malformed: no verb] " .. summary(line)
  end
  pdu_tree:add(F.verb, line_tvb(0, #raw_verb), verb)
  local layouts = direction == "request" and REQUEST_LAYOUTS or RESPONSE_LAYOUTS
  local layout = layouts[verb]
  local next_index, why
  if not layout then
    -- An extension verb without a layout yet, or an unknown but well-formed one: shown generically.
    if tokens[2] then pdu_tree:add(F.args, line_tvb(tokens[2].rest_offset, #tokens[2].rest), tokens[2].rest) end
    if not EXTENSION_VERBS[verb] and not (direction == "response" and KNOWN_VERBS[verb]) then
      pdu_tree:add_proto_expert_info(E.unknown_verb, "Verb " .. verb .. " is not in the CHAT-MSG/1 spec")
    end
    return summary(line)
  end
  next_index, why = add_layout(pdu_tree, line_tvb, tokens, 2, layout, verb == "OK")
  if next_index and verb == "OK" then
    local reply_to = tokens[2].text:upper()
    local ok_layout = OK_LAYOUTS[reply_to]
    if ok_layout then
      next_index, why = add_layout(pdu_tree, line_tvb, tokens, 3, ok_layout)
    elseif tokens[3] then
      pdu_tree:add(F.args, line_tvb(tokens[3].rest_offset, #tokens[3].rest), tokens[3].rest)
    end
  end
  if not next_index then
    pdu_tree:add_proto_expert_info(E.malformed, "Malformed CHAT-MSG " .. verb .. ": " .. why)
    return "[malformed] " .. summary(line)
  end
  if verb == "ERR" then
    pdu_tree:add_proto_expert_info(E.error_reply, "Server error: " .. summary(line))
  end
  if verb == "EMSG" then add_emsg_payload(pdu_tree, line_tvb, tokens[#layout + 1]) end
  return summary(line)
end

local function dissect_empty_line(framed, pinfo, tree)
  local pdu_tree = tree:add(chatmsg, framed)
  pdu_tree:set_text("CHAT-MSG/1 empty line")
  pdu_tree:add(F.direction, direction_of(pinfo, ""))
  pdu_tree:add(F.line, framed, "")
  pdu_tree:add(F.line_len, framed, framed:len())
  pdu_tree:add_proto_expert_info(E.malformed, "Malformed CHAT-MSG line: empty line")
  return "[malformed: empty line]"
end

--[[ Loops over the complete lines of the buffer. For a cut line it asks TCP for one more
     segment, unless the line already passed max_line (then it is reported and skipped).
     Retransmissions need nothing here: TCP reassembly hands each byte of the stream over once
     (a guard on tcp.analysis.retransmission would even drop bytes a capture merely recorded
     out of order, which TCP flags as "spurious retransmission"). ]]
function chatmsg.dissector(tvb, pinfo, tree)
  local length = tvb:len()
  if length == 0 then return 0 end
  local infos = {}
  local offset = 0
  local bytes = tvb:raw()  -- once: find() walks it, so many lines per segment stay linear
  while offset < length do
    local at = bytes:find("\n", offset + 1, true)
    local lf = at and at - 1
    if not lf then
      if length - offset >= chatmsg.prefs.max_line then
        local item = tree:add(chatmsg, tvb(offset))
        item:set_text("CHAT-MSG/1 over-long line")
        item:add_proto_expert_info(E.too_long, "Line without LF longer than " .. chatmsg.prefs.max_line .. " bytes")
        infos[#infos + 1] = "[line too long]"
        offset = length
        break
      end
      pinfo.desegment_offset = offset
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      break
    end
    local content_end = lf
    if content_end > offset and tvb(content_end - 1, 1):uint() == 0x0d then content_end = content_end - 1 end
    local framed = tvb(offset, lf - offset + 1)
    if content_end == offset then
      infos[#infos + 1] = dissect_empty_line(framed, pinfo, tree)
    else
      infos[#infos + 1] = dissect_line(tvb(offset, content_end - offset):tvb(), framed, pinfo, tree)
    end
    offset = lf + 1
  end
  if #infos > 0 then
    pinfo.cols.protocol:set("CHAT-MSG")
    pinfo.cols.info:set(table.concat(infos, " | "))
  end
  return length
end

--[[ Heuristic for other ports: cheap checks on the first bytes (a known verb, in any case,
     followed by space, CR or LF), then the whole conversation is claimed. ]]
local function heuristic(tvb, pinfo, tree)
  if not chatmsg.prefs.heuristic then return false end
  local length = tvb:len()
  if length < 3 then return false end
  local head = tvb:raw(0, math.min(length, 8))
  local word, after = head:match("^(%a+)(.?)")
  if not word or not KNOWN_VERBS[word:upper()] then return false end
  if after == "" then
    -- Only a whole segment holding just a verb (e.g. "LIST" cut before its LF) passes.
    if length > #word then return false end
  elseif after ~= " " and after ~= "\r" and after ~= "\n" then
    return false
  end
  local greeting = "HELLO " .. PROTOCOL_VERSION
  if word:upper() == "HELLO" and tvb:raw(0, math.min(length, #greeting)) ~= greeting then
    return false
  end
  pinfo.conversation = chatmsg
  chatmsg.dissector(tvb, pinfo, tree)
  return true
end

register_port()
chatmsg:register_heuristic("tcp", heuristic)
-- Inside TLS (the secure extension's --tls): decrypt with a key log, then "Decode As" or
-- `tshark -d tcp.port==<port>,tls -d tls.port==<port>,chatmsg -o tls.keylog_file:<file>`.
DissectorTable.get("tls.port"):add_for_decode_as(chatmsg)
