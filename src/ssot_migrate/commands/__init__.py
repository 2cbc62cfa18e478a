"""What each command does, minus the terminal: options in, results and exit codes out.

One module per command family: `audit` (audit, --discover), `init`, `run` (run, shim: the
phase planned and verified in memory), `land` (run through git: branches and batches, each
batch checked by `batch_check`, with git started ahead by `git_ahead`), `verify`, `history`
(status, rollback, plan) and `registry`. Below them the steps they share: `shimming` (which
modules get a shim, and the shims on disk), `cycles` (the import cycles a phase must not
add), `write_order` (the order a run writes in place), `batching`, and `project`, the view
of the repository every command opens once.
"""
