"""lidar sensor."""
