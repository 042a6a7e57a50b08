"""HTTP API, access control and web pages (issue: API)."""
