"""Custom integrations (Home Assistant loads custom_components/energy_hub)."""
