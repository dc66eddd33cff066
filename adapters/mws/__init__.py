"""Amazon MWS: the XML order report and Orders API answers to canonical orders."""
