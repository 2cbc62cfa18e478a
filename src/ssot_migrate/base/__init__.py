"""The foundation every layer stands on: checks of dotted names, the errors the CLI turns
into a message and an exit code, the exit codes, counts in words, and the Jinja2
environment every generated text comes from. Imports nothing else of ours."""
