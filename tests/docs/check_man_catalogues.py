#!/usr/bin/env python3
"""Checks mxpulse(8) LOG EVENTS and mxpulsectl(8) COMMANDS against the catalogues in the code.

Usage: check_man_catalogues.py GENDOC MAN_DIR
GENDOC is mxpulse-gendoc: "events" prints name<TAB>level<TAB>keys<TAB>flood key ("-" for none),
"commands" name<TAB>access<TAB>usage.
"""

import re
import subprocess
import sys


def sections(path):
    """Returns {section title: [lines]} of a man page."""
    out, current = {}, None
    with open(path) as f:
        for line in f.read().splitlines():
            m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
            if m:
                current = m.group(1).replace("\\-", "-")
                out[current] = []
            elif current:
                out[current].append(line)
    return out


def tagged_paragraphs(lines):
    """Returns [(tag, [body lines])] for the .TP paragraphs of a section."""
    out = []
    i = 0
    while i < len(lines):
        if lines[i].startswith(".TP") and i + 1 < len(lines):
            m = re.match(r"^\.B[IR]?\s+(\S+)", lines[i + 1])
            tag = m.group(1) if m else None
            body = []
            i += 2
            while i < len(lines) and not lines[i].startswith((".TP", ".SH", ".PP")):
                body.append(lines[i])
                i += 1
            if tag:
                out.append((tag, body))
            continue
        i += 1
    return out


def gendoc(binary, mode):
    """Returns the rows of a gendoc catalogue as lists of fields."""
    text = subprocess.run([binary, mode], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in text.splitlines() if line]


def check_events(binary, page):
    """Returns problems with LOG EVENTS of mxpulse(8)."""
    problems = []
    documented = {}
    for tag, body in tagged_paragraphs(sections(page).get("LOG EVENTS", [])):
        keys, flood = None, "-"
        for j, line in enumerate(body):
            if line.strip() == "Keys:" and j + 1 < len(body) and body[j + 1].startswith(".I "):
                keys = body[j + 1][3:].split()
            if line.strip() == "Flood control by:" and j + 1 < len(body) and body[j + 1].startswith(".I "):
                flood = body[j + 1][3:].strip()
        level = re.match(r"^\((\w+)\)", body[0]) if body else None
        documented[tag] = (level.group(1) if level else None, keys, flood)
    catalogue = gendoc(binary, "events")
    for name, level, keys, flood in catalogue:
        if name not in documented:
            problems.append("mxpulse(8) LOG EVENTS lacks event %s (keys: %s)" % (name, keys))
            continue
        doc_level, doc_keys, doc_flood = documented[name]
        if doc_flood != flood:
            problems.append("mxpulse(8) event %s: flood control by %s, the catalogue has %s" % (name, doc_flood, flood))
        if doc_keys != keys.split():
            problems.append("mxpulse(8) event %s: keys %s, the catalogue has %s" % (name, doc_keys, keys.split()))
        if doc_level != level:
            problems.append("mxpulse(8) event %s: level %s, the catalogue has %s" % (name, doc_level, level))
    for name in set(documented) - {row[0] for row in catalogue}:
        problems.append("mxpulse(8) documents event %s, which is not in the catalogue" % name)
    return problems


def check_commands(binary, page):
    """Returns problems with COMMANDS of mxpulsectl(8)."""
    problems = []
    documented = {}
    for tag, body in tagged_paragraphs(sections(page).get("COMMANDS", [])):
        access = re.match(r"^\((\w+)\)", body[0]) if body else None
        documented[tag] = access.group(1) if access else None
    for name, access, _usage in gendoc(binary, "commands"):
        if name not in documented:
            problems.append("mxpulsectl(8) COMMANDS lacks command %s" % name)
        elif documented[name] != access:
            problems.append("mxpulsectl(8) command %s: access %s, the table has %s" % (name, documented[name], access))
    return problems


def main():
    binary, man_dir = sys.argv[1], sys.argv[2]
    problems = check_events(binary, man_dir + "/mxpulse.8") + check_commands(binary, man_dir + "/mxpulsectl.8")
    for p in problems:
        print(p)
    if problems:
        print("%d problem(s): update man/mxpulse.8 or man/mxpulsectl.8" % len(problems))
        return 1
    print("man pages match the event catalogue and the command table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
