"""Results as documents and renderables: JSON, SARIF and Markdown reports (report), the
terminal's rich tables (tables), the import registry page (registry) and byte-exact
unified diffs (diffing). Nothing here prints or writes."""
