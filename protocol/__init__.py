"""Kring wire protocol, sans-I/O: limits, error codes, what each message carries (`args`),
message validation and codecs.

Nothing here opens a socket or touches Redis, so the server, the client library and the
tests share one definition of what a valid frame is.
"""
