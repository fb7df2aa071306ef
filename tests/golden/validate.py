#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# summary: validates every line of an sshmortem NDJSON file against the event
# JSON Schema (draft 2020-12). Works with python3-jsonschema 4.10 (Debian 12).
#
#   validate.py SCHEMA FILE.ndjson     ("-" reads stdin)
#
# Exit 0 and "N events valid" when every line is one valid event; exit 1 with
# FILE:LINE and the error at the first invalid line; exit 2 when the schema or
# the file cannot be read, or the schema itself is invalid.
import json
import sys

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError, best_match
except ImportError as exc:  # pragma: no cover
    sys.stderr.write("validate.py: python3-jsonschema >= 4.0 is required: %s\n" % exc)
    sys.exit(2)


def fail(msg, status=1):
    sys.stderr.write(msg + "\n")
    sys.exit(status)


def json_path(error):
    """The failing instance location as $.a.b[3]."""
    out = "$"
    for part in error.absolute_path:
        out += "[%d]" % part if isinstance(part, int) else "." + str(part)
    return out


def main(argv):
    if len(argv) != 3:
        fail("usage: validate.py SCHEMA FILE.ndjson", 2)
    schema_path, data_path = argv[1], argv[2]
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
    except (OSError, ValueError) as exc:
        fail("%s: %s" % (schema_path, exc), 2)
    except SchemaError as exc:
        fail("%s: invalid schema: %s" % (schema_path, exc.message), 2)

    # Formats (ipv4, ipv6) are annotations in 2020-12 unless a checker is given.
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    try:
        stream = sys.stdin if data_path == "-" else open(data_path, encoding="utf-8")
    except OSError as exc:
        fail("%s: %s" % (data_path, exc), 2)
    count = 0
    with stream:
        for lineno, line in enumerate(stream, 1):
            where = "%s:%d" % (data_path, lineno)
            if not line.endswith("\n"):
                fail("%s: line not terminated by a newline" % where)
            text = line[:-1]
            if not text.strip():
                fail("%s: empty line (NDJSON has one event per line)" % where)
            try:
                event = json.loads(text)
            except ValueError as exc:
                fail("%s: not JSON: %s" % (where, exc))
            errors = list(validator.iter_errors(event))
            if errors:
                err = best_match(errors)
                etype = event.get("event_type", "?") if isinstance(event, dict) else "?"
                fail("%s: %s event invalid at %s: %s" % (where, etype, json_path(err), err.message))
            count += 1
    print("%d events valid" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
