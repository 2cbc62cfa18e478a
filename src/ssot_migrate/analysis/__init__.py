"""Pure questions of an index: what a dotted path reaches through re-export chains
(resolve) and what an attribute use reaches through its root's import (uses), where a
symbol is imported and through which paths (auditor, its findings in audit, the roles of
its legacy paths in legacy_roles), which definitions are reached by many paths
(candidates, for `audit --discover`), how findings are bucketed (grouping) and the
ratchet of a long migration (baseline). Frozen values in and out."""
