"""Commands of this group (registered on harness.cli.app.app)."""
