"""Every model call: the litellm client, pricing, the local llama.cpp server, the response cache, judge calls."""
