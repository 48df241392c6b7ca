"""Error answers: every validation rule of the spec (docs/spec.md#request,
docs/spec.md#errors-status) and the data errors.

Each case sends one bad request and checks the status, ``Content-Type: application/json``, the
profile's error body shape, the top-level message the spec's table gives (#errors-status) and that
the message or its causes name the offending field or concept (``mentions``: at least one must
appear, case-insensitively). Tables are parametrized in the style of ceph/s3-tests: one row per
rule variant, the status and the words the message must carry next to it.

Most cases start from a valid request (a stored array, uploaded once per run) and edit its body
just before sending, so the only thing wrong with it is the rule under test; raw bodies (malformed
JSON, wrong Content-Type) go through ``ServerClient.post`` directly. Data errors (corrupt
compressed bytes, objects shorter than the shape) store their own bytes under a content-addressed
key, so the cases are independent of each other, of order and of xdist workers.

One module per kind of rule: the body as a whole (``test_body``), its fields and enumerations
(``test_fields``), the array's geometry (``test_geometry``), missing-data descriptors
(``test_missing_descriptors``), and the object's location and data (``test_objects``).
"""
