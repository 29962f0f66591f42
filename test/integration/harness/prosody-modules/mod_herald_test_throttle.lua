-- A test stand-in for mod_muc_limits, which Debian's prosody-modules does not ship: a room bounces
-- a groupchat message sent less than `herald_test_min_message_interval` seconds after the same
-- occupant's previous one, with the error mod_muc_limits gives, <policy-violation/> of type "wait"
-- (RFC 6120 §8.3.2: try again later).
local st = require "util.stanza";
local jid_bare = require "util.jid".bare;
local now = require "util.time".now;

local interval = module:get_option_number("herald_test_min_message_interval", 1);
local last = {};

module:hook("message/bare", function (event)
	local stanza = event.stanza;
	if stanza.attr.type ~= "groupchat" or not stanza:get_child("body") then return; end
	local key = jid_bare(stanza.attr.to) .. " " .. jid_bare(stanza.attr.from);
	local t = now();
	if last[key] and t - last[key] < interval then
		event.origin.send(st.error_reply(stanza, "wait", "policy-violation", "The room is currently overactive, please try again later"));
		return true;
	end
	last[key] = t;
end, 100);
