"""The event collector (issue #15 part 4): write keys, ``POST /collect``, the batch flusher and the JS snippet."""
