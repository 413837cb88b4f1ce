"""A demo: real ATT&CK groups and malware plus a clearly synthetic layer of providers, financiers and victims."""
