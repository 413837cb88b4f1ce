"""STIX 2.1, both ways: everything atlas-graph reads from or writes as STIX lives in this package.

- `vocabulary`: the fixed ids and names (TLP 1.0 and 2.0 markings, the atlas-graph extension) and the mappings
  between the ecosystem model and STIX (entity kinds and SDO types, relationship types), each written once;
- `reading`: STIX objects as entity and relationship claims (parsed by the OASIS `stix2` library), and the
  atlas-graph extension read back exactly;
- `writing`: entities and relationship assertions as SDOs and SROs, with the fixed objects they refer to;
- `importer`: `POST /v1/stix` (and the demo): a bundle mapped and stored in one transaction;
- `exporter`: `GET /v1/export/stix`: the streamed bundle of everything the caller may see.

File imports of STIX bundles (`atlas-graph import`) read them in batches with `atlas_graph.imports.formats.stix`,
which maps each batch with `reading`. The mapping is described in docs/stix.md and docs/import-export.md.
"""
