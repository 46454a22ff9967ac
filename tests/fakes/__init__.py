"""Stand-ins for outside services in the tests: the one fake LLM provider (provider.py) and replays of public
APIs, all on the shared 127.0.0.1 plumbing of local_http.py."""
