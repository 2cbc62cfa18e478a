"""The migration plan and the project settings a run reads: `[tool.ssot-migrate]` found and
read (load), its frozen values (model), checked key by key (checker, checks, phase_checks),
the oldest Python a shim must run on (target_python), and the starter section `init` writes
(starter). Text in, checked frozen values out; every problem names its key."""
