"""Bulk imports from files: JSON bundles, STIX 2.1 bundles, CSV edge lists and MISP galaxies, in resumable batches.

Each file is read as a stream and cut into batches; each batch goes through `services.ingestion.ingest_bundle` as
the importing organization's claims, in its own transaction. Every file's entities are imported before any file's
relationships, so that relationships can point at entities of earlier batches or other files. A checkpoint per
file (its content hash, format, organization and options) records how many items of each phase are done, after
each committed batch: re-running the same command resumes where it stopped. A batch committed just before an
interruption but not yet recorded is sent again, which creates nothing new: ingestion is idempotent (the same
organization repeating a claim updates its own assertion). Items that cannot be imported are written, with the
reason, to a JSON Lines report beside the checkpoint. The formats and mappings are described in
docs/import-export.md.

- `runner`: `import_files`, which the `atlas-graph import` command calls: files, phases, batches, the report;
- `formats`: one module per format (`bundle`, `stix`, `csv_edges`, `misp_galaxy`), each a `FormatReader`;
- `detection`: a file's format, from its extension or its first JSON keys;
- `checkpoint`: the typed checkpoint, saved after every batch;
- `batches`, `options`, `progress`, `jsonstream`: what the readers share (the streaming JSON parser among them).

Reading, parsing and mapping need no database, and are tested without one.
"""
