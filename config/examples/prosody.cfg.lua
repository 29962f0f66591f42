-- A minimal Prosody for config/examples/docker-compose.yml: one host, a MUC service, no s2s.
-- For production, give the host a real certificate and keep c2s_require_encryption on.
admins = { "admin@localhost" }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "version", "smacks", "carbons", "posix" }
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
