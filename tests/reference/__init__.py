"""Independent renderers the camera is checked against (test-only; not part of the package)."""
