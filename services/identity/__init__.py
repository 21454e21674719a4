"""The embedded OpenID Connect provider (统一身份认证): people, org units, roles, sessions, signing keys."""
