"""Source files in, per-file facts out: which files are modules (discovery), the byte
prefilter (byte_scan, prefilter), parsing into `ModuleFacts` (extract, its pass over the
tree in collector with focus, statements, scopes, tree_walk and columns, and skeleton,
cutter, lexing, newer_syntax and type_parameters for speed and newer grammar), the cache
between runs (cache), and the parallel build of the `Index` (build, its worker pool in
parse_pool). The facts (facts) are the currency of every later layer."""
