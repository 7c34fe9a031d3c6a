"""scripts layer."""
