"""The migration plan and the project settings a run reads: `[tool.ssot-migrate]` (load),
the oldest Python a shim must run on (target_python), and the starter section `init`
writes (starter). Text in, checked frozen values out; every problem names its key."""
