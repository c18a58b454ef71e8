"""``make bench``: the dataset, the load scenarios, the floors and the report
(docs/performance.md)."""
