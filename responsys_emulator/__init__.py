"""Local emulator of the Oracle Responsys REST API.

A standalone HTTP server, separate from the production code, that behaves like the parts of
Responsys the DLR sync client relies on: login on one port, data calls on another, supplemental
tables stored in SQLite, throttling, async requests and injected faults. Tests drive it through
`responsys_emulator.testing.EmulatorProcess`.
"""
