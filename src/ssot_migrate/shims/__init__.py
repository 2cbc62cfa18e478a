"""Deprecation shims for the legacy paths: a legacy module's moved names go behind a
generated PEP 562 `__getattr__` that returns the very same object and warns at the
importer's line (legacy_module). Which modules get one (plan), the block itself (block), the
moved names' bindings (bindings), a module's own deprecating `__getattr__` (own_getattr) and
the oldest Python the result must run on (runs_on). Bytes in, bytes out; nothing is written
here."""
