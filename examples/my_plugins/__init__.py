"""An example plug-in package for review-harness: one scorer family, one generator kind, one prompting strategy.

Name its modules in a config's `plugins:` (see ../plugin_experiment.yaml); each module registers what it
defines when it is imported.
"""
