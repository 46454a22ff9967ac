"""Generators: litellm strategies, the local LLM, offline baselines, replay."""
