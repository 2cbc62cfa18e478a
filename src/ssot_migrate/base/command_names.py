"""The CLI's command names, in the order ``--help`` lists them: in one place, because the plan
may not name a phase after one (``ssot-migrate PHASE`` is short for ``ssot-migrate run
PHASE``) and the arguments are read with them (see `cli.argv`)."""

from __future__ import annotations

AUDIT = "audit"
INIT = "init"
RUN = "run"
SHIM = "shim"
RETIRE = "retire"
VERIFY = "verify"
STATUS = "status"
ROLLBACK = "rollback"
PLAN = "plan"
REGISTRY = "registry"

COMMANDS = (AUDIT, INIT, RUN, SHIM, RETIRE, VERIFY, STATUS, ROLLBACK, PLAN, REGISTRY)
