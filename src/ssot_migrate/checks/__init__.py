"""Proofs that a plan or a run is sound: the plan against the code (validate), the static
half of `verify`, legacy paths still reaching the canonical object and no new import cycle
(verification), and the runtime half, in the target's own interpreter (runtime): the
programs it runs there (runtime_probes), running them (runtime_runner) and the values it
gives and their report lines (runtime_results)."""
