"""score-folder by role: rows (the output format), worker (scoring chunks), resume (the output and
errors files), progress, engines (inline, local processes, Dask); ``service.batch`` runs them."""
