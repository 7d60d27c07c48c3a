"""The school readiness framework as versioned data."""
