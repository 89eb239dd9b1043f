#!/usr/bin/env python3
"""Writes the seed corpora from the project's own files: SDP bodies of the SIPp scenarios and
the SDP tests, the shipped flows and calendars, and the expressions and templates in the
shipped flows. Run from fuzz/: python3 seed.py (the output is committed)."""
import hashlib, pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(__file__).resolve().parent / "corpus"

def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    data = data.encode() if isinstance(data, str) else data
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)

# SDP: bodies in SIPp scenarios (placeholders filled) and string literals in the SDP tests.
fill = {"[media_ip]": "127.0.0.1", "[media_ip_type]": "4", "[media_port]": "6000",
        "[pid]": "42", "[local_ip]": "127.0.0.1", "[local_ip_type]": "4", "[auto_media_port]": "6002"}
for xml in sorted((root / "tests").rglob("*.xml")):
    for m in re.finditer(r"(v=0\s*\n(?:[a-z]=[^\n]*\n?)+)", xml.read_text(errors="replace")):
        body = m.group(1)
        for k, v in fill.items():
            body = body.replace(k, v)
        body = "\r\n".join(l.strip() for l in body.strip().splitlines()) + "\r\n"
        put("sdp", body)
for rs in sorted((root / "crates/hotline-media/src/sdp").rglob("*.rs")):
    for m in re.finditer(r'"(v=0[^"]*)"', rs.read_text()):
        put("sdp", m.group(1).encode().decode("unicode_escape"))

# Flows and calendars as shipped.
for y in sorted((root / "ivr-flows").glob("*.yaml")):
    if not y.name.endswith(".test.yaml"):
        put("ivr_flow", y.read_text())

# Expressions (`when:`, `set:` values, `expr:`) and templates (text with `{…}`).
for y in sorted((root / "ivr-flows").glob("*.yaml")):
    text = y.read_text()
    for m in re.finditer(r'when:\s*"([^"]+)"|when:\s*\'([^\']+)\'|when:\s*([^,}\n]+)', text):
        put("ivr_expr", next(g for g in m.groups() if g).strip())
    for m in re.finditer(r'"([^"\n]*\{[^"\n]*\}[^"\n]*)"', text):
        put("ivr_expr", m.group(1))
    for m in re.finditer(r'vars:\s*\{([^}\n]*)\}', text):
        for part in m.group(1).split(","):
            if ":" in part:
                put("ivr_expr", part.split(":", 1)[1].strip().strip('"'))

# The grammar's corners (see crates/hotline-ivr/src/expr/parser.rs).
for e in ['len(l) > 0 and not b', 'n + 1 - 2 >= m', '"text" == t or c.name != null',
          '(n < 3) == (b or false)', 'c.arrears > 0.00', 'not not not b', '-n', 'len("abc")',
          'Dear {c.name}, you owe {c.arrears}.', '{n + 1} of {len(l)}', '{{}}', '{', '}{']:
    put("ivr_expr", e)
