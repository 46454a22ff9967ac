"""Tasks: the suite and its validation, Hugging Face and export formats, the build recipe, tasks built from a review
or a bibliography."""
