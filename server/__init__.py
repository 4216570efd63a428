"""The Kring service: pure room engine, backends, connection hub and the Starlette app."""
