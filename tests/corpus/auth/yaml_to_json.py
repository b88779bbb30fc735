#!/usr/bin/env python3
"""Converts a stream of YAML documents (the SPF test suite) to one JSON array on stdout."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as f:
    json.dump([d for d in yaml.safe_load_all(f) if d is not None], sys.stdout)
