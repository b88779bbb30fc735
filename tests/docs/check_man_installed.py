#!/usr/bin/env python3
"""Checks that every man page and example is installed by both packages, and that
mxpulse-control(7) documents the JSON of every command.

Usage: check_man_installed.py GENDOC MXPULSECTL SOURCE_DIR
GENDOC is mxpulse-gendoc ("commands" prints the protocol commands); MXPULSECTL is the client,
whose --help lists its subcommands.
"""

import glob
import os
import re
import subprocess
import sys

from check_man_catalogues import gendoc, sections, tagged_paragraphs

EXAMPLE_GLOBS = ("conf/*.snippet", "conf/prometheus/*.yml", "conf/rsyslog/*.conf")


def cmake_installs(path):
    """Returns [(file names, destination)] of the install(FILES ... DESTINATION ...) rules."""
    text = re.sub(r"#.*", "", open(path).read())
    out = []
    for body in re.findall(r"install\s*\(\s*FILES\s+(.*?)\)", text, re.S):
        words = body.split()
        if "DESTINATION" not in words:
            continue
        at = words.index("DESTINATION")
        out.append(([os.path.basename(w) for w in words[:at]], words[at + 1]))
    return out


def check_installed(src):
    """Returns problems: man pages and examples missing from the CMake rules or the RPM spec
    (the .deb installs what CMake installs)."""
    problems = []
    spec = open(os.path.join(src, "packaging/rpm/mxpulse.spec")).read()
    spec_files = spec[spec.index("%files"):spec.index("%changelog")]
    man_rules = cmake_installs(os.path.join(src, "man/CMakeLists.txt"))
    for page in sorted(glob.glob(os.path.join(src, "man/*.[1-9]"))):
        name = os.path.basename(page)
        section = name.rsplit(".", 1)[1]
        dest = "${CMAKE_INSTALL_MANDIR}/man" + section
        if not any(name in files and d == dest for files, d in man_rules):
            problems.append("man/%s is not installed to %s by man/CMakeLists.txt" % (name, dest))
        if "%%{_mandir}/man%s/%s*" % (section, name) not in spec_files:
            problems.append("man/%s is not in %%files of packaging/rpm/mxpulse.spec" % name)
    for stray in glob.glob(os.path.join(src, "man/*.md")):
        problems.append("%s is documentation no package installs: make it a man page" % stray)
    example_rules = cmake_installs(os.path.join(src, "packaging/CMakeLists.txt"))
    for pattern in EXAMPLE_GLOBS:
        for path in sorted(glob.glob(os.path.join(src, pattern))):
            name = os.path.basename(path)
            if not any(name in files and d == "${CMAKE_INSTALL_DOCDIR}/examples" for files, d in example_rules):
                problems.append("%s is not installed as an example by packaging/CMakeLists.txt" % name)
            if "%%{_docdir}/mxpulse/examples/%s\n" % name not in spec_files:
                problems.append("example %s is not in %%files of packaging/rpm/mxpulse.spec" % name)
    return problems


def ctl_subcommands(binary):
    """Returns the subcommands mxpulsectl --help lists."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    if "Subcommands:" not in text:
        raise SystemExit("mxpulsectl --help lists no subcommands:\n" + text)
    out = []
    for line in text.split("Subcommands:", 1)[1].splitlines():
        m = re.match(r"^  (\S+)\s", line)
        if m:
            out.append(m.group(1))
    return out


def check_json(binary, ctl, page):
    """Returns problems: commands whose JSON result mxpulse-control(7) does not describe."""
    problems = []
    documented = {tag.replace("\\-", "-"): body
                  for tag, body in tagged_paragraphs(sections(page).get("JSON RESULTS", []))}
    protocol = [row[0] for row in gendoc(binary, "commands")]
    for name in protocol + [c for c in ctl_subcommands(ctl) if c not in protocol]:
        if name not in documented:
            problems.append("mxpulse-control(7) JSON RESULTS lacks command %s" % name)
        elif not "".join(documented[name]).strip():
            problems.append("mxpulse-control(7) JSON RESULTS: %s has no description" % name)
    return problems


def main():
    binary, ctl, src = sys.argv[1], sys.argv[2], sys.argv[3]
    problems = check_installed(src) + check_json(binary, ctl, os.path.join(src, "man/mxpulse-control.7"))
    for p in problems:
        print(p)
    if problems:
        print("%d problem(s)" % len(problems))
        return 1
    print("every man page and example is installed by both packages; every command's JSON is documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
