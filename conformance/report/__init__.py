"""The HTML report: rendered from results.json alone (it never imports the client or pytest)."""
