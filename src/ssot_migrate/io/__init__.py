"""The edges where a run touches the world: `workspace` reads and atomically writes files
(the only module that writes); `vcs` (the repository's state), `vcs_commits` (worktrees,
trees, commits) and `vcs_history` (the phase commits and branches) talk to git, the only
ones that import GitPython.

Last on the data path but low in the import layers: the index cache reads and writes its
folder through `workspace`, and every command reads source bytes through it. Nothing here
knows what a symbol or an import is."""
