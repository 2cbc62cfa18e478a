"""A phase's rewrite of the importers: exact edits at the spans the audit found, each
rewritten file re-parsed and proven to bind the same objects (apply); where an import goes
in a block the project keeps sorted (import_order, its keys in sort_keys, sorter_settings);
import fallbacks that a rewrite made identical (fallbacks). Bytes in, bytes out; nothing is written here.

plan says which files and sites a phase edits; apply rewrites each planned file, through
text (a file's text and the exact edits), layout (its statement lists, by the stdlib
parser), statements (an import statement replaced, added to or removed), absorption (a
legacy import absorbed into a canonical one of its block), uses (module-attribute chains
and strings) and sorted_blocks (the sorted blocks it touches kept sorted); verify proves
the rewritten file binds the same objects."""
