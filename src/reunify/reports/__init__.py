"""Reports for court monitors and oversight, with plots."""
