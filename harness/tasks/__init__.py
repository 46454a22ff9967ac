"""Tasks: the shipped suite, validation, Hugging Face and export formats, tasks built from a review or a bibliography."""
