import re
from dataclasses import fields
from pathlib import Path

import pytest
from conftest import ROOT

from assistant.config import Settings
from assistant.errors import AssistantError


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`ASSISTANT_([A-Z_]+)`", readme))
    assert {f.name.upper() for f in fields(Settings)} == documented


def test_environment_overrides_defaults():
    env = {"ASSISTANT_TOP_K": "7", "ASSISTANT_INDEX_DIR": "/tmp/x",
           "ASSISTANT_CHROMA_URL": "http://127.0.0.1:9", "ASSISTANT_CORPUS": "a:b"}
    settings = Settings.from_env(env)
    assert (settings.top_k, settings.index_dir, settings.chroma_url, settings.corpus) == (
        7, Path("/tmp/x"), "http://127.0.0.1:9", ("a", "b"))
    assert Settings.from_env(env, top_k=3).top_k == 3


def test_bad_values_name_the_variable():
    with pytest.raises(AssistantError, match="ASSISTANT_TOP_K"):
        Settings.from_env({"ASSISTANT_TOP_K": "many"})


def test_importing_the_package_is_cheap():
    import subprocess
    import sys

    code = "import sys, assistant; print(any(m in sys.modules for m in ('torch', 'chromadb', " \
           "'gradio', 'langchain_core')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
