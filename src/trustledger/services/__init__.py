"""Use cases between the entrypoints and the store; they depend only on the ports in ports.py."""
