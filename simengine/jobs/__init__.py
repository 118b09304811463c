"""The layer that runs jobs: everything that builds an engine and turns samples into a store
or a training loop's batches. The store below it knows array specs and attributes only.

- ``render_store``: ``simengine render``, a scene's samples into a store, block by block;
- ``block``: the unit of work of a render, one block of a store (``render_block``);
- ``corrupt_store``: ``simengine corrupt``, corrupted variants added to a rendered store;
- ``stream``: samples generated in the background for a training loop (``simengine.stream``);
- ``executors``: where blocks run (a local process pool, Dask distributed);
- ``worker``: the set-up every worker process runs first (process settings, Numba threads);
- ``layout``: the store layout of an engine's render (``store.layout.StoreLayout``).
"""
