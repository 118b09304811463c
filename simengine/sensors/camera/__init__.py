"""camera sensor."""
