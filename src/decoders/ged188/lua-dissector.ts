/**
 * Writes a Wireshark Lua dissector for GED-188 from the same tables the decoder reads: message types, the
 * fixed-part layouts and their variants, floating tags, enumerations and masks. The Lua code repeats the
 * decoder's two inferences with the same rules (decode.ts): the tag width (from the session's OPEN_REQ
 * VersionNumber, else the width under which the floating part alone parses cleanly) and the fixed-part variant.
 *
 * Runs on Wireshark 3.6 and later (Lua 5.2 API): `tshark -X lua_script:ged188.lua`, or copied into the
 * personal plugins folder.
 */

import { DEFAULT_PROFILES } from '../profile.js';
import {
  AGENT_STATE_MASK_BITS,
  CALL_MSG_MASK_BITS,
  CONFIG_MSG_MASK_BITS,
  MAX_BODY_LENGTH,
  MESSAGE_TYPE,
  PG_STATUS_BITS,
  SERVICE_BITS,
  UNNAMED_KNOWN_TAG_RANGES,
  codeEntries,
  floatingTagEntries,
  messageTypeEntries,
  type BitTable,
  type CodeKind,
  type FloatingValueType,
} from './constants.js';
import { ENUM_KINDS, enumEntries } from './enumerations.js';
import { catalog, type FixedFieldKind, type FixedFieldType } from './layouts.js';

const MASKS: Partial<Record<FixedFieldKind, BitTable>> = {
  services: SERVICE_BITS,
  pgStatus: PG_STATUS_BITS,
  callMsgMask: CALL_MSG_MASK_BITS,
  agentStateMask: AGENT_STATE_MASK_BITS,
  configMsgMask: CONFIG_MSG_MASK_BITS,
};
const CODE_KINDS: CodeKind[] = ['status', 'failureCode', 'peripheralErrorCode', 'systemEventId', 'agentState', 'peripheralType', 'eventReasonCode'];

/** camelCase or UPPER_CASE -> snake_case (agentId -> agent_id, AGENT_ID -> agent_id). */
export function luaFieldName(name: string): string {
  if (/^[A-Z0-9_]+$/.test(name)) return name.toLowerCase();
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Wireshark field type of a registered field. */
type WsType = 'uint32' | 'int32' | 'string' | 'bytes';

interface WsField {
  abbrev: string;
  label: string;
  type: WsType;
  /** Enumeration shown through the field's value string: only when every user agrees on one. */
  kinds: Set<string>;
  hex: boolean;
}

/** The Wireshark fields, by abbreviation (ged188.<abbrev>); fixed and floating fields of one name share one. */
class FieldRegistry {
  readonly fields = new Map<string, WsField>();

  /** Registers a use of `abbrev` with `type`; returns the abbreviation used (suffixed when the type differs). */
  use(abbrev: string, label: string, type: WsType, kind?: string, hex = false): string {
    let key = abbrev;
    let f = this.fields.get(key);
    if (f && f.type !== type) {
      key = `${abbrev}_${type === 'string' ? 'str' : type === 'bytes' ? 'bytes' : type}`;
      f = this.fields.get(key);
    }
    if (!f) {
      f = { abbrev: key, label, type, kinds: new Set(), hex };
      this.fields.set(key, f);
    }
    f.kinds.add(kind ?? '');
    if (hex) f.hex = true;
    return key;
  }
}

/** A field's label: the guides' spelling (invokeId -> InvokeID, AGENT_ID -> AgentID). */
function label(name: string): string {
  const camel = /^[A-Z0-9_]+$/.test(name) ? name.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : name;
  return (camel[0].toUpperCase() + camel.slice(1)).replace(/Id(?=[A-Z0-9]|$)/g, 'ID');
}

function wsTypeOfFixed(t: FixedFieldType): WsType {
  return t === 'i32' ? 'int32' : 'uint32';
}

function wsTypeOfFloating(t: FloatingValueType): WsType {
  switch (t) {
    case 'string':
    case 'secret':
    case 'namedvar':
    case 'namedarray':
      return 'string';
    case 'uint':
    case 'ushort':
    case 'time':
      return 'uint32';
    case 'int':
      return 'int32';
    default:
      return 'bytes';
  }
}

const luaStr = (s: string): string => JSON.stringify(s);

function luaTable(entries: ReadonlyArray<readonly [number, string]>): string {
  return `{ ${entries.map(([n, s]) => `[${n}] = ${luaStr(s)}`).join(', ')} }`;
}

/** The ports the profiles give GED-188 (CTI Server sides A/B and instances, UCCX). */
export function ged188Ports(): number[] {
  const ports = new Set<number>();
  for (const p of DEFAULT_PROFILES) for (const s of p.services) if (s.protocol === 'ged188') for (const port of s.ports) ports.add(port);
  return [...ports].sort((a, b) => a - b);
}

/** The whole Lua dissector as text. */
export function generateLuaDissector(opts: { version?: string } = {}): string {
  const reg = new FieldRegistry();
  const out: string[] = [];
  const w = (s = ''): void => {
    out.push(s);
  };

  // Layouts: per type, its fields (name, type, Wireshark field, kind) and variants.
  const layoutLines: string[] = [];
  for (const { type, layout } of catalog()) {
    const fields = layout.fields.map((f) => {
      const abbrev = reg.use(luaFieldName(f.name), label(f.name), wsTypeOfFixed(f.type), f.kind && !MASKS[f.kind] ? f.kind : undefined, !!(f.kind && MASKS[f.kind]));
      return `{ ${luaStr(f.name)}, ${luaStr(f.type)}, ${luaStr(abbrev)}, ${f.kind ? luaStr(f.kind) : 'nil'} }`;
    });
    const variants = layout.variants.map((v) => `{ ${v.length}, ${v.minVersion ?? 0}, ${v.fallback ? 'true' : 'false'} }`);
    layoutLines.push(`  [${type}] = { conf = ${luaStr(layout.confidence)}, fields = { ${fields.join(', ')} }, variants = { ${variants.join(', ')} } },`);
  }

  // Floating tags. AGENT_ID_LONG (194, UCCX) shares ged188.agent_id with tag 5, as the decoder's agentId does.
  const tagLines: string[] = [];
  for (const [tag, info] of floatingTagEntries()) {
    const base = tag === 194 ? 'agent_id' : luaFieldName(info.name);
    const abbrev = reg.use(base, label(info.name), wsTypeOfFloating(info.type));
    tagLines.push(`  [${tag}] = { ${luaStr(info.name)}, ${luaStr(info.type)}, ${luaStr(abbrev)} },`);
  }
  const autoAbbrev = reg.use('tag_value', 'floating item of an unnamed tag', 'bytes');

  const enumLines: string[] = [];
  for (const k of CODE_KINDS) enumLines.push(`  ${k} = ${luaTable(codeEntries(k))},`);
  for (const k of ENUM_KINDS) enumLines.push(`  ${k} = ${luaTable(enumEntries(k))},`);
  const maskLines = Object.entries(MASKS).map(([k, bits]) => `  ${k} = { ${bits!.map(([b, n]) => `{ ${b}, ${luaStr(n)} }`).join(', ')} },`);

  w(`-- GED-188 (Cisco CTI Server protocol / Unified CCX CTI) dissector for Wireshark 3.6 and later.`);
  w(`-- Generated by \`ctiscope wireshark-dissector\`${opts.version ? ` ${opts.version}` : ''} from ctiscope's protocol tables; regenerate rather than edit.`);
  w(`-- Install: copy to the personal Lua plugins folder (Help > About Wireshark > Folders), or run`);
  w(`--   tshark -X lua_script:ged188.lua -r capture.pcapng -Y ged188`);
  w(`-- Layout confidence per message type: doc (documented), impl (agreed by implementations), guessed.`);
  w();
  w(`local ged188 = Proto("ged188", "Cisco CTI Server protocol (GED-188)")`);
  w(`local MAX_BODY = ${MAX_BODY_LENGTH}`);
  w(`local PORTS = { ${ged188Ports().join(', ')} }`);
  w(`local FAILURES = { ${['FAILURE_CONF', 'FAILURE_EVENT', 'CONTROL_FAILURE_CONF'].map((n) => `[${MESSAGE_TYPE[n]}] = true`).join(', ')} }`);
  w(`local TAG_RANGES = { ${UNNAMED_KNOWN_TAG_RANGES.map(([lo, hi]) => `{ ${lo}, ${hi} }`).join(', ')} }`);
  w();
  w(`local MSG_NAMES = ${luaTable(messageTypeEntries())}`);
  w();
  w(`local ENUMS = {`);
  for (const l of enumLines) w(l);
  w(`}`);
  w(`local MASKS = {`);
  for (const l of maskLines) w(l);
  w(`}`);
  w();
  w(`-- [type] = { conf, fields = { { name, type, field, kind } ... }, variants = { { length, minVersion, fallback } ... } }`);
  w(`local LAYOUTS = {`);
  for (const l of layoutLines) w(l);
  w(`}`);
  w();
  w(`-- [tag] = { name, value type, field }`);
  w(`local TAGS = {`);
  for (const l of tagLines) w(l);
  w(`}`);
  w();
  // Fields.
  w(`local F = {}`);
  w(`F.length = ProtoField.uint32("ged188.length", "MessageLength", base.DEC)`);
  w(`F.type = ProtoField.uint32("ged188.type", "MessageType", base.DEC, MSG_NAMES)`);
  w(`F.tag_width = ProtoField.uint8("ged188.tag_width", "Tag width", base.DEC)`);
  w(`F.extra_fixed = ProtoField.bytes("ged188.extra_fixed", "Fixed bytes past the known fields")`);
  w(`F.undecoded = ProtoField.bytes("ged188.undecoded", "Undecoded body bytes")`);
  for (const f of reg.fields.values()) {
    const abbrev = `ged188.${f.abbrev}`;
    const kinds = [...f.kinds];
    const oneKind = kinds.length === 1 && kinds[0] !== '' ? kinds[0] : undefined;
    if (f.type === 'string') w(`F[${luaStr(f.abbrev)}] = ProtoField.string(${luaStr(abbrev)}, ${luaStr(f.label)})`);
    else if (f.type === 'bytes') w(`F[${luaStr(f.abbrev)}] = ProtoField.bytes(${luaStr(abbrev)}, ${luaStr(f.label)})`);
    else {
      const ctor = f.type === 'int32' ? 'int32' : 'uint32';
      const baseArg = f.hex ? 'base.HEX' : 'base.DEC';
      w(`F[${luaStr(f.abbrev)}] = ProtoField.${ctor}(${luaStr(abbrev)}, ${luaStr(f.label)}, ${baseArg}${oneKind ? `, ENUMS[${luaStr(oneKind)}]` : ''})`);
    }
  }
  w(`local ONE_KIND = {`);
  for (const f of reg.fields.values()) {
    const kinds = [...f.kinds];
    if (kinds.length === 1 && kinds[0] !== '') w(`  [${luaStr(f.abbrev)}] = true,`);
  }
  w(`}`);
  w(`local AUTO_FIELD = ${luaStr(autoAbbrev)}`);
  w(`local pf = {}`);
  w(`for _, v in pairs(F) do pf[#pf + 1] = v end`);
  w(`ged188.fields = pf`);
  w();
  w(LUA_BODY);
  return out.join('\n') + '\n';
}

/** The hand-written part: framing, the tag-width and variant choice (as decode.ts), the tree, Info, experts. */
const LUA_BODY = String.raw`
local ef_failure = ProtoExpert.new("ged188.failure", "GED-188 failure reply or event", expert.group.RESPONSE_CODE, expert.severity.WARN)
local ef_malformed = ProtoExpert.new("ged188.malformed", "GED-188 message does not fit its layout", expert.group.MALFORMED, expert.severity.ERROR)
ged188.experts = { ef_failure, ef_malformed }

local tcp_stream_f = Field.new("tcp.stream")

-- Per TCP stream: protocol version (from OPEN_REQ) and tag width (from it, or detected).
local sessions = {}
function ged188.init()
  sessions = {}
end


local function is_known_tag(tag)
  if TAGS[tag] ~= nil then return true end
  for _, r in ipairs(TAG_RANGES) do if tag >= r[1] and tag <= r[2] then return true end end
  return false
end

local function tag_type(tag)
  local t = TAGS[tag]
  if t then return t[2] end
  if is_known_tag(tag) then return "auto" end
  return nil
end

local function rd(tvb, off, n)
  if n == 1 then return tvb(off, 1):uint() end
  if n == 2 then return tvb(off, 2):uint() end
  return tvb(off, 4):uint()
end

local function check_item(t, tvb, at, len)
  if t == nil then return false end
  if t == "string" then return len > 0 and tvb(at + len - 1, 1):uint() == 0 end
  if t == "secret" then return len <= 64 end
  if t == "unspec" then return true end
  if t == "uint" or t == "int" or t == "time" then return len == 4 end
  if t == "ushort" then return len == 2 end
  if t == "taskid" then return len == 12 end
  if t == "namedvar" then
    if len < 2 or tvb(at + len - 1, 1):uint() ~= 0 then return false end
    for i = at, at + len - 2 do if tvb(i, 1):uint() == 0 then return true end end
    return false
  end
  if t == "namedarray" then return len >= 3 and tvb(at + len - 1, 1):uint() == 0 end
  if t == "auto" then return len > 0 end
  return false
end

-- Structural check of the floating part [start, stop) under one width: items, problems, exact.
local function scan(tvb, start, stop, width)
  local pos, items, problems = start, 0, 0
  local hdr = width * 2
  while pos < stop do
    if pos + hdr > stop then return items, problems + 1, false end
    local tag = rd(tvb, pos, width)
    local len = rd(tvb, pos + width, width)
    pos = pos + hdr
    if pos + len > stop then return items, problems + 1, false end
    if not check_item(tag_type(tag), tvb, pos, len) then problems = problems + 1 end
    items = items + 1
    pos = pos + len
  end
  return items, problems, true
end

local function better(a, b)
  if a.clean ~= b.clean then return a.clean end
  if not a.clean and a.problems ~= b.problems then return a.problems < b.problems end
  if a.preferred ~= b.preferred then return a.preferred end
  if a.items ~= b.items then return a.items > b.items end
  if a.length ~= b.length then return a.length > b.length end
  return a.width < b.width
end

local function best_for(tvb, body, n, layout, width, version)
  local hi = version or (width == 1 and 19 or 1000000)
  local best
  for _, v in ipairs(layout.variants) do
    if v[1] <= n then
      local items, problems, exact = scan(tvb, body + v[1], body + n, width)
      local c = { width = width, length = v[1], clean = exact and problems == 0, preferred = (not v[3]) and v[2] <= hi, items = items, problems = problems }
      if not best or better(c, best) then best = c end
    end
  end
  return best
end

-- Tag width, fixed-part length and whether the evidence settles the width (decode.ts chooseParse).
local function choose(tvb, body, n, layout, s)
  local width = s.width
  if width then
    if #layout.variants == 1 and layout.variants[1][1] <= n then return width, layout.variants[1][1], false end
    local c = best_for(tvb, body, n, layout, width, s.version)
    if not c then return nil end
    return width, c.length, false
  end
  local c1 = best_for(tvb, body, n, layout, 1, s.version)
  local c2 = best_for(tvb, body, n, layout, 2, s.version)
  if not c1 or not c2 then return nil end
  if c1.items == 0 and c2.items == 0 and c1.clean and c2.clean then return 1, c1.length, false end
  local win = better(c2, c1) and c2 or c1
  return win.width, win.length, c1.clean ~= c2.clean
end

local function longest_variant(layout)
  local m = 0
  for _, v in ipairs(layout.variants) do if v[1] > m then m = v[1] end end
  return m
end

-- A fixed part longer than every variant (decode.ts longerFixedPart): bytes to skip, or 0.
local function longer_fixed(tvb, body, n, layout, width)
  local longest = longest_variant(layout)
  local at = body + longest
  if at + width * 2 > body + n then return 0 end
  local tag = rd(tvb, at, width)
  local len = rd(tvb, at + width, width)
  if tag ~= 0 and is_known_tag(tag) and at + width * 2 + len <= body + n then return 0 end
  for k = 1, 8 do
    if longest + k >= n then break end
    local items, problems, exact = scan(tvb, at + k, body + n, width)
    if exact and problems == 0 and items > 0 then return k end
  end
  return 0
end

local function names_of_mask(v, bits)
  local out, rest = {}, v
  for _, b in ipairs(bits) do
    if bit32.band(rest, b[1]) ~= 0 then
      out[#out + 1] = b[2]
      rest = bit32.band(rest, bit32.bnot(b[1]))
    end
  end
  for i = 0, 31 do
    local b = bit32.lshift(1, i)
    if bit32.band(rest, b) ~= 0 then out[#out + 1] = string.format("0x%x", b) end
  end
  return table.concat(out, "|")
end

local function cstring(tvb, at, len)
  if len <= 0 then return "" end
  local s = tvb:raw(at, len)
  local nul = s:find("\0", 1, true)
  if nul then s = s:sub(1, nul - 1) end
  return s
end

local function add_fixed(tree, tvb, off, f, info)
  local size = (f[2] == "u8" and 1) or ((f[2] == "u16" or f[2] == "bool") and 2) or 4
  local range = tvb(off, size)
  local v = f[2] == "i32" and range:int() or range:uint()
  local item = tree:add(F[f[3]], range, v)
  local kind = f[4]
  if kind then
    if MASKS[kind] then
      item:append_text(" (" .. names_of_mask(v, MASKS[kind]) .. ")")
    elseif not ONE_KIND[f[3]] and ENUMS[kind] and ENUMS[kind][v] then
      item:append_text(" (" .. ENUMS[kind][v] .. ")")
    end
  end
  if f[1] == "invokeId" then info.invoke = v end
  return size
end

local function add_floating(tree, tvb, pinfo, start, stop, width, info)
  local pos = start
  local hdr = width * 2
  while pos < stop do
    if pos + hdr > stop then
      tree:add_proto_expert_info(ef_malformed, "stray bytes after the last floating item")
      break
    end
    local tag = rd(tvb, pos, width)
    local len = rd(tvb, pos + width, width)
    local data = pos + hdr
    local t = TAGS[tag]
    local avail = math.min(len, stop - data)
    local range = tvb(pos, hdr + avail)
    local item
    local ttype = tag_type(tag)
    local field = t and t[3] or AUTO_FIELD
    if ttype == "string" then
      local s = cstring(tvb, data, avail)
      item = tree:add(F[field], range, s)
      if tag == 5 or tag == 194 then info.agent = info.agent or s end
      if avail == 0 or tvb(data + avail - 1, 1):uint() ~= 0 then item:add_proto_expert_info(ef_malformed, "string does not end with NUL") end
    elseif ttype == "secret" then
      item = tree:add(F[field], range, "<redacted>")
    elseif ttype == "namedvar" or ttype == "namedarray" then
      local s = avail > 0 and tvb:raw(data, avail):gsub("%z$", ""):gsub("%z", "=") or ""
      item = tree:add(F[field], range, s)
    elseif ((ttype == "uint" or ttype == "time") and avail == 4) or (ttype == "ushort" and avail == 2) then
      item = tree:add(F[field], range, tvb(data, avail):uint())
    elseif ttype == "int" and avail == 4 then
      item = tree:add(F[field], range, tvb(data, 4):int())
    elseif TAGS[tag] and (ttype == "unspec" or ttype == "taskid" or ttype == "auto") then
      item = tree:add(F[field], range, avail > 0 and tvb(data, avail):bytes() or ByteArray.new())
      if ttype == "auto" and avail > 0 then item:append_text(" \"" .. cstring(tvb, data, avail) .. "\"") end
    else
      item = tree:add(F[AUTO_FIELD], range, avail > 0 and tvb(data, avail):bytes() or ByteArray.new())
      item:prepend_text((t and t[1] or ("TAG_" .. tag)) .. ": ")
      if tag == 0 then
        item:add_proto_expert_info(ef_malformed, "floating tag 0: the fixed part is probably misread")
      elseif not is_known_tag(tag) then
        item:add_proto_expert_info(ef_malformed, "unknown floating tag " .. tag)
      elseif ttype ~= "auto" then
        item:add_proto_expert_info(ef_malformed, "floating item of unexpected size")
      end
    end
    item:prepend_text("[" .. tag .. "] ")
    if data + len > stop then
      item:add_proto_expert_info(ef_malformed, "floating item runs past the end of the message")
      break
    end
    pos = data + len
  end
end

local function get_pdu_len(tvb, pinfo, offset)
  local len = tvb(offset, 4):uint()
  if len > MAX_BODY then return tvb:len() - offset end
  return 8 + len
end

local last_frame, pdus_in_frame = -1, 0

local function dissect_pdu(tvb, pinfo, tree)
  local total = tvb:len()
  local body_len = tvb(0, 4):uint()
  local mtype = tvb(4, 4):uint()
  local name = MSG_NAMES[mtype] or ("UNKNOWN_" .. mtype)
  local stream = tcp_stream_f()
  local key = stream and stream.value or -1
  local s = sessions[key]
  if not s then s = {}; sessions[key] = s end

  local body = 8
  local n = math.min(body_len, total - 8)
  -- OPEN_REQ fixes the protocol version, and with it the tag width, for the session.
  if mtype == 3 and n >= 8 then
    local v = tvb(12, 4):uint()
    if v > 0 and v < 1000 then s.version = v; s.width = (v >= 20) and 2 or 1 end
  end

  local subtree = tree:add(ged188, tvb(0, total), "GED-188 " .. name)
  subtree:add(F.length, tvb(0, 4))
  subtree:add(F.type, tvb(4, 4))
  local info = {}
  local layout = LAYOUTS[mtype]
  local width = s.width or 1
  if layout and n > 0 then
    local shortest = 1000000
    for _, v in ipairs(layout.variants) do if v[1] < shortest then shortest = v[1] end end
    local w, fixed_len, decisive
    if n >= shortest then w, fixed_len, decisive = choose(tvb, body, n, layout, s) end
    if not w then
      -- Shorter than every variant: the fields that fit.
      local off = 0
      for _, f in ipairs(layout.fields) do
        local size = (f[2] == "u8" and 1) or ((f[2] == "u16" or f[2] == "bool") and 2) or 4
        if off + size > n then break end
        add_fixed(subtree, tvb, body + off, f, info)
        off = off + size
      end
      if layout.conf ~= "guessed" then subtree:add_proto_expert_info(ef_malformed, "body shorter than the fixed part") end
    else
      width = w
      if not s.width and decisive then s.width = w end
      local off = 0
      for _, f in ipairs(layout.fields) do
        local size = (f[2] == "u8" and 1) or ((f[2] == "u16" or f[2] == "bool") and 2) or 4
        if off + size > fixed_len then break end
        add_fixed(subtree, tvb, body + off, f, info)
        off = off + size
      end
      if fixed_len < n then
        local items, problems, exact = scan(tvb, body + fixed_len, body + n, width)
        if exact and problems == 0 then
          add_floating(subtree, tvb, pinfo, body + fixed_len, body + n, width, info)
        elseif layout.conf == "guessed" then
          subtree:add(F.undecoded, tvb(body + fixed_len, n - fixed_len))
        else
          local extra = longer_fixed(tvb, body, n, layout, width)
          if extra > 0 then
            local at = longest_variant(layout)
            subtree:add(F.extra_fixed, tvb(body + at, extra)):add_proto_expert_info(ef_malformed, "fixed part longer than every known variant")
            add_floating(subtree, tvb, pinfo, body + at + extra, body + n, width, info)
          else
            add_floating(subtree, tvb, pinfo, body + fixed_len, body + n, width, info)
          end
        end
      end
    end
  elseif n > 0 then
    subtree:add(F.undecoded, tvb(body, n))
  end
  subtree:add(F.tag_width, width):set_generated()
  if body_len > n then subtree:add_proto_expert_info(ef_malformed, "message shorter than its MessageLength") end

  if FAILURES[mtype] then subtree:add_proto_expert_info(ef_failure, name) end

  local text = name
  if info.invoke then text = text .. " invoke=" .. info.invoke end
  if info.agent then text = text .. " agent=" .. info.agent end
  subtree:append_text(info.invoke and (", InvokeID " .. info.invoke) or "")
  if pinfo.number ~= last_frame then
    last_frame, pdus_in_frame = pinfo.number, 0
  end
  pdus_in_frame = pdus_in_frame + 1
  pinfo.cols.protocol = "GED-188"
  if pdus_in_frame == 1 then pinfo.cols.info:set(text) else pinfo.cols.info:append(", " .. text) end
  return total
end

function ged188.dissector(tvb, pinfo, tree)
  dissect_tcp_pdus(tvb, tree, 8, get_pdu_len, dissect_pdu)
  return tvb:len()
end

local tcp_port = DissectorTable.get("tcp.port")
for _, p in ipairs(PORTS) do tcp_port:add(p, ged188) end

-- Heuristic (other ports): a plausible header, then OPEN_REQ from the client (version 1..64, reserved zero),
-- or OPEN_CONF / FAILURE_CONF from the server.
local function heuristic(tvb, pinfo, tree)
  if tvb:len() < 16 then return false end
  local len = tvb(0, 4):uint()
  local mtype = tvb(4, 4):uint()
  if len < 4 or len > MAX_BODY then return false end
  if mtype == 3 then
    if len < 44 or tvb:len() < 52 then return false end
    local v = tvb(12, 4):uint()
    if v == 0 or v > 64 then return false end
    for i = 40, 51 do if tvb(i, 1):uint() ~= 0 then return false end end
  elseif mtype == 4 then
    if len < 26 then return false end
  elseif mtype == 1 then
    if len < 8 then return false end
  else
    return false
  end
  pinfo.conversation = ged188
  ged188.dissector(tvb, pinfo, tree)
  return true
end
ged188:register_heuristic("tcp", heuristic)
`;
