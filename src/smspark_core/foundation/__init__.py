"""What every layer uses and that imports nothing heavy: the error base (``errors``), media
types (``media_types``), the original's keyword spellings (``keywords``), lazy exports
(``lazy``) and whether a session is Spark Connect (``connect``)."""
