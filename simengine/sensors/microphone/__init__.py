"""microphone sensor."""
