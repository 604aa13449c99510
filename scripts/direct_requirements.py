"""Prints the direct requirements of pyproject.toml, one per line: runtime and dev, or with
--runtime only what the app needs to serve (the Docker image installs those, constrained by
requirements.lock)."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
if "--runtime" not in sys.argv[1:]:
    requirements += project["optional-dependencies"]["dev"]
for requirement in requirements:
    print(requirement)
