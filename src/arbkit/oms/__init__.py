"""oms layer."""
