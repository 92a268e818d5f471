"""The report's languages: one module per language, named by its code (``en.py``, ``id.py``).

Each module holds ``NAME`` and ``STRINGS`` (see `tcplab.i18n`). To add a language, copy
``en.py`` to ``<code>.py`` and translate the values; keep the keys and the ``{fields}``.
"""
