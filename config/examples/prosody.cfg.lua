-- A minimal Prosody for config/examples/docker-compose.yml: one host, a MUC service, no s2s, no TLS.
-- The two containers talk over the compose network only. mod_tls is left out on purpose: this
-- example has no certificate, and Prosody 0.12 still offers STARTTLS without one, which clients
-- (Herald too) always take and then fail ("no shared cipher" in Prosody's log).
-- For production, give the host a real certificate, add "tls" to modules_enabled and set
-- c2s_require_encryption = true.
-- test/integration/compose-example.test.ts runs this very file (paths and ports substituted).
admins = { "admin@localhost" }
modules_enabled = { "roster", "saslauth", "disco", "ping", "version", "smacks", "carbons", "posix" }
modules_disabled = { "s2s" }
c2s_require_encryption = false
allow_registration = false
authentication = "internal_hashed"
storage = "internal"
log = { info = "*console" }
pidfile = "/var/run/prosody/prosody.pid"

VirtualHost "localhost"

Component "conference.localhost" "muc"
  restrict_room_creation = false
  -- Rooms kept in memory (default 100). Past that, every join rewrites the whole room list on
  -- disk: keep it above the number of rooms Herald and your users are in (docs/PERFORMANCE.md).
  muc_room_cache_size = 2000
