"""The TAXII 2.1 server under /taxii2/ (media types, errors, collections, pagination, statuses) and TAXII pulls."""
