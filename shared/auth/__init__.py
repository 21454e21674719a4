"""Identity and access: bearer tokens verified against the issuer's keys, the principal they name, and
the one policy that decides what each role may do where (docs/access.md)."""
