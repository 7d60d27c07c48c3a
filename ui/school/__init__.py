"""The receiving school's screens: class overview and the SENCO queue (driven by SchoolService)."""
