"""MISP, both ways: MISP events read through misp-stix (`imports.formats.misp_event`), and a MISP feed served."""
