"""A phase's rewrite of the importers: exact edits at the spans the audit found, each
rewritten file re-parsed and proven to bind the same objects (apply); where an import goes
in a block the project keeps sorted (import_order, sorter_settings); import fallbacks that a
rewrite made identical (fallbacks). Bytes in, bytes out; nothing is written here."""
