"""The hotline's call log (staff only): one line per call, outcomes by week, threats' numbers
sealed. Calls that led to a declaration link to its submission."""
