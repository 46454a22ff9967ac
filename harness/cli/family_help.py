"""Help text that lists the registered scorer families, built when help is shown (plug-ins registered by then)."""

from __future__ import annotations

from typer.core import TyperCommand

from harness import scorers


def families_text() -> str:
    """'coverage, citations, ..., judge (calls a model), ...': the registry's family names, in run order."""
    return ", ".join(name + (" (calls a model)" if fam.calls_provider else "")
                     for name, fam in scorers.FAMILIES.items())


class FamiliesHelpCommand(TyperCommand):
    """A command whose options' help may hold '{families}', filled from the scorer registry when help is shown."""

    def format_help(self, ctx, formatter) -> None:  # type: ignore[no-untyped-def]
        for param in self.params:
            template = getattr(param, "_help_template", None) or getattr(param, "help", None) or ""
            if "{families}" in template:
                param._help_template = template  # type: ignore[attr-defined]
                param.help = template.replace("{families}", families_text())  # type: ignore[attr-defined]
        super().format_help(ctx, formatter)
