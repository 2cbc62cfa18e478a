"""Deprecation shims for the legacy paths: a legacy module's moved names go behind a
generated PEP 562 `__getattr__` that returns the very same object and warns at the
importer's line (legacy_module). Bytes in, bytes out; nothing is written here."""
