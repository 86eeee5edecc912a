"""Personal data at rest: encrypted fields, encrypted files, owner-only files, key rotation.

See docs/data-protection.md and docs/adr/0006-personal-data-encryption.md.
"""
