"""The pure room engine: state, commands -> events, methods as data. No I/O here."""
