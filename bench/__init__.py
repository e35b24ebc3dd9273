"""Benchmarks that print figures: ``make bench``, ``make profile``, ``make bench-load``.

``compare`` runs this assistant beside a bare ``rasa init`` bot (``bots`` starts them,
``client`` sends the conversations), ``profile`` samples the Rasa server under load,
``nlu_latency`` times the NLU, ``load`` measures the deployment (``load_results``).
"""
