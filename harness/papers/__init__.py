"""Papers a review cites: the known-paper index, resolution of citations to it, reference classes, verification."""
