"""Papers a review cites: paper-file records, the known-paper index, resolution of citations to it, reference classes,
verification and abstract fetching online (through the scholarly-API client)."""
